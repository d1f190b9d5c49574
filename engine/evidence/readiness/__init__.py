"""Whether an evidence version covers what its dispute's reason needs."""

from engine.evidence.readiness.rules import (
    REQUIREMENTS,
    Readiness,
    Requirement,
    readiness_of,
    version_readiness,
)

__all__ = ["REQUIREMENTS", "Readiness", "Requirement", "readiness_of", "version_readiness"]
