"""Well-known fact names sources use, and how the receipt labels them.

Sources may add any other fact; it appears under "Other details" with a label made from its
name. Values are shown exactly as given (they are already formatted: ``"USD 798.29"``).
"""

from __future__ import annotations

CUSTOMER_NAME = "customer_name"
CUSTOMER_EMAIL = "customer_email"
BILLING_ADDRESS = "billing_address"
CUSTOMER_PURCHASE_IP = "customer_purchase_ip"
CUSTOMER_ID = "customer_id"
PRODUCT = "product"
PURCHASED_AT = "purchased_at"
PAYMENT_ID = "payment_id"
PAYMENT_METHOD = "payment_method"
AMOUNT_CHARGED = "amount_charged"
CARD_CHECKS = "card_checks"
"""The issuer's answers to the address and CVC checks at purchase (``"CVC: pass; …"``)."""
THREE_D_SECURE = "three_d_secure"
"""The 3-D Secure outcome: the cardholder authenticated with their bank."""
TOTAL_AMOUNT_PAID = "total_amount_paid"
"""What the customer actually paid in all (the processor's own figure, refunds deducted)."""
SERVICE_DATE = "service_date"
DUPLICATE_CHARGE_ID = "duplicate_charge_id"
"""For a duplicate-charge dispute: the other charge the customer says this one repeats, and
what sets it apart (its amount, date and product, formatted like the disputed charge's)."""
DUPLICATE_CHARGE_AMOUNT = "duplicate_charge_amount"
DUPLICATE_CHARGE_DATE = "duplicate_charge_date"
DUPLICATE_CHARGE_PRODUCT = "duplicate_charge_product"

CUSTOMER_LABELS = {
    CUSTOMER_NAME: "Name",
    CUSTOMER_EMAIL: "Email",
    CUSTOMER_ID: "Customer id",
    BILLING_ADDRESS: "Billing address",
    CUSTOMER_PURCHASE_IP: "IP address at purchase",
}

PURCHASE_LABELS = {
    PRODUCT: "Product or service",
    PURCHASED_AT: "Purchased",
    PAYMENT_ID: "Payment reference",
    PAYMENT_METHOD: "Payment method",
    CARD_CHECKS: "Card checks at purchase",
    THREE_D_SECURE: "3-D Secure",
    AMOUNT_CHARGED: "Amount charged",
    SERVICE_DATE: "Service date",
}

KNOWN = frozenset(CUSTOMER_LABELS) | frozenset(PURCHASE_LABELS) | {TOTAL_AMOUNT_PAID}


def label_for(name: str) -> str:
    return name.replace("_", " ").strip().capitalize() or name
