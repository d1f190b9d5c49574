"""Evidence sources that ship with the engine (``app_sql``, ``policies``) and an example
third-party source (``example_crm``) for plugin authors."""
