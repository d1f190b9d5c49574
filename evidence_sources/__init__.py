"""Evidence-source plugins: the merchant's own data for evidence packets.

Built-ins: ``app_sql`` and ``policies`` (registered by :mod:`evidence_sources.plugin`); an
example third-party source for plugin authors lives in ``example_crm``.
"""
