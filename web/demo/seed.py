"""The demo's data: customers with purchase history on both emulated processors, disputes of
several reasons and stages, and the merchant app's database of generated designs (images drawn
now, with Pillow) that the ``app_sql`` evidence source reads."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from emulators.paystand.state import PaystandState
from emulators.stripe.state import StripeState

CE3 = "visa_compelling_evidence_3"
DAY = 86400


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    line1: str
    city: str
    postal_code: str
    state: str
    ip: str


CUSTOMERS = (
    Customer(
        "Maya Lindqvist",
        "maya.lindqvist@example.com",
        "41 Harbor St",
        "Portland",
        "97204",
        "OR",
        "198.51.100.23",
    ),
    Customer(
        "Tomás Ferreira",
        "tomas.ferreira@example.com",
        "9 Elm Ave",
        "Austin",
        "78701",
        "TX",
        "203.0.113.77",
    ),
    Customer(
        "Aisha Okafor",
        "aisha.okafor@example.com",
        "220 King Rd",
        "Chicago",
        "60601",
        "IL",
        "192.0.2.140",
    ),
    Customer(
        "Jonah Weiss",
        "jonah.weiss@example.com",
        "7 Birch Ln",
        "Denver",
        "80202",
        "CO",
        "198.51.100.201",
    ),
    Customer(
        "Priya Raman",
        "priya.raman@example.com",
        "1500 Market St",
        "San Francisco",
        "94103",
        "CA",
        "203.0.113.9",
    ),
    Customer(
        "Lena Hoffmann",
        "lena.hoffmann@example.com",
        "88 Pine St",
        "Seattle",
        "98101",
        "WA",
        "192.0.2.55",
    ),
)
PROMPTS = (
    "a lighthouse at dusk, risograph poster",
    "minimal fox logo, teal and cream",
    "botanical pattern for a tote bag",
    "retro sci-fi book cover, orange sky",
    "wedding invitation with olive branches",
)


def seed_stripe(state: StripeState) -> list[str]:
    """Disputes on Stripe, none announced (the engine's first sync reads them); their ids."""
    now = state.now()
    plans = (
        # customer, reason, status, amount (cents), due in days, CE 3.0
        (0, "fraudulent", "needs_response", 12900, 6, True),
        (1, "product_not_received", "needs_response", 4900, 2, False),
        (2, "subscription_canceled", "needs_response", 1900, 12, False),
        (3, "fraudulent", "warning_needs_response", 9900, 9, False),
        (4, "duplicate", "won", 2900, -20, False),
        (5, "credit_not_processed", "lost", 5900, -35, False),
    )
    ids = []
    for index, reason, status, amount, due_days, ce3 in plans:
        customer = CUSTOMERS[index]
        customer_id = f"cus_demo{index:04d}"
        billing = {
            "name": customer.name,
            "email": customer.email,
            "address": {
                "line1": customer.line1,
                "city": customer.city,
                "postal_code": customer.postal_code,
                "state": customer.state,
                "country": "US",
            },
        }
        for months_ago in (3, 2, 1):  # purchase history: earlier paid charges, undisputed
            state.add_charge(
                amount=amount,
                customer=customer_id,
                billing_details=billing,
                created=now - months_ago * 30 * DAY,
            )
        charge = state.add_charge(
            amount=amount,
            customer=customer_id,
            billing_details=billing,
            ip_address=customer.ip,
            created=now - 20 * DAY,
        )
        dispute = state.add_dispute(
            amount=amount,
            reason=reason,
            status=status,
            charge=charge["id"],
            due_by=now + due_days * DAY,
            created=now - 10 * DAY,
            network_reason_code="10.4" if reason == "fraudulent" else None,
            emit=False,
        )
        if ce3:
            with state.lock:
                state.disputes[dispute["id"]].object["enhanced_eligibility_types"] = [CE3]
        ids.append(dispute["id"])
    return ids


def seed_paystand(state: PaystandState) -> list[str]:
    """Paystand disputes already past intake (no control call needed to make them actionable)."""
    plans = (
        (1, "fraudulent", "acceptingEvidence", "249.00"),
        (4, "product_unacceptable", "acceptingEvidence", "1200.00"),
        (2, "duplicate", "won", "75.50"),
        (5, "fraudulent", "lost", "310.00"),
    )
    ids = []
    for index, reason, status, amount in plans:
        customer = CUSTOMERS[index]
        dispute, _ = state.create_dispute(
            amount=amount,
            reason=reason,
            created=datetime.now(UTC) - timedelta(days=8),
            payer_name=customer.name,
            payer_email=customer.email,
        )
        state.set_state(dispute["id"], status=status)
        ids.append(dispute["id"])
    return ids


def make_app_database(folder: Path) -> Path:
    """The merchant app's SQLite database: users, logins and generated designs (PNG files)."""
    designs = folder / "designs"
    designs.mkdir(parents=True, exist_ok=True)
    path = folder / "app.db"
    path.unlink(missing_ok=True)
    rnd = random.Random(13)
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT,"
            " plan TEXT, created_at TEXT);"
            "CREATE TABLE logins (user_id INTEGER, logged_in_at TEXT, ip TEXT);"
            "CREATE TABLE designs (user_email TEXT, image TEXT, prompt TEXT, created_at TEXT);"
        )
        start = datetime.now(UTC) - timedelta(days=120)
        for user_id, customer in enumerate(CUSTOMERS, start=1):
            db.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                (user_id, customer.email, customer.name, "Studio monthly", start.isoformat()),
            )
            for day in range(0, 100, 9):
                moment = start + timedelta(days=day, hours=rnd.randrange(8, 22))
                db.execute(
                    "INSERT INTO logins VALUES (?, ?, ?)",
                    (user_id, moment.isoformat(timespec="seconds"), customer.ip),
                )
            for number in range(3):
                name = f"user{user_id}-design{number}.png"
                draw_design(designs / name, seed=user_id * 10 + number)
                moment = start + timedelta(days=30 + 20 * number)
                db.execute(
                    "INSERT INTO designs VALUES (?, ?, ?, ?)",
                    (
                        customer.email,
                        f"designs/{name}",
                        PROMPTS[(user_id + number) % len(PROMPTS)],
                        moment.isoformat(timespec="seconds"),
                    ),
                )
    return path


def draw_design(path: Path, *, seed: int, size: tuple[int, int] = (800, 600)) -> None:
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    image = Image.new("RGB", size, tuple(rnd.randrange(40, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(25):
        x, y = rnd.randrange(width), rnd.randrange(height)
        radius = rnd.randrange(20, 160)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        if rnd.random() < 0.5:
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
        else:
            draw.rectangle((x, y, x + radius * 2, y + radius), fill=colour)
    image.save(path, "PNG")


APP_SQL_TOML = """\
[evidence_sources.policies]
refund_policy = "Refunds within 14 days of purchase, before any design is downloaded."
cancellation_policy = "Cancel any time from Settings > Plan; the plan stays active until the end of the paid month."
terms = "Designs generated in the studio are licensed to the account holder for personal and commercial use."
policy_url = "https://studio.example.com/terms"

[evidence_sources.app_sql]
url = "sqlite:///{database}"
files_root = "{root}"

[[evidence_sources.app_sql.queries]]
name = "designs"
kind = "images"
sql = "SELECT image, prompt AS caption, created_at FROM designs WHERE user_email = :customer_email"

[[evidence_sources.app_sql.queries]]
name = "logins"
kind = "activity"
title = "Account activity: sign-ins to the design studio"
sql = "SELECT logged_in_at, ip FROM logins WHERE user_id = (SELECT id FROM users WHERE email = :customer_email)"

[[evidence_sources.app_sql.queries]]
name = "account"
kind = "facts"
sql = "SELECT plan AS product, created_at AS customer_since FROM users WHERE email = :customer_email"
"""  # noqa: E501
