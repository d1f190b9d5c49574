"""The seller's identity: who the evidence documents say is answering the dispute."""

from engine.merchant.identity import MERCHANT_KEYS, MerchantIdentity, merchant_from_values

__all__ = ["MERCHANT_KEYS", "MerchantIdentity", "merchant_from_values"]
