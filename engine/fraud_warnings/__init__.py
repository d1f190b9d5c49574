"""Early fraud warnings: a card network's notice that a charge looks fraudulent, usually before
the cardholder disputes it. Stored (``book``), refunded below ``DISPUTES_EFW_REFUND_BELOW`` by
the worker (``refund``), announced through the outbox."""
