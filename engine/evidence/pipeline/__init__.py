"""The evidence pipeline: collect from every source, render the packet, validate, archive,
record a version, and hand it to the processor (or to a person)."""

from engine.evidence.pipeline.respond import Outcome, RespondOutcome, load_packet, respond

__all__ = ["Outcome", "RespondOutcome", "load_packet", "respond"]
