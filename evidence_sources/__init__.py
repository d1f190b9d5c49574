"""Evidence-source plugins: the merchant's own data for evidence packets."""
