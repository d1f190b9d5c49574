"""The Stripe provider plugin: webhooks, evidence submission, sync and provider facts."""
