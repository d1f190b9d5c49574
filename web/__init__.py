"""The application shell: the Litestar app (webhooks, dashboard, JSON API) and the CLI."""
