"""``app_sql``: the merchant application's own data (designs, logins, orders) as evidence."""
