"""Visa Compelling Evidence 3.0: prior undisputed payments that tie a 10.4 fraud dispute to the
cardholder (the model in ``model``, Visa's qualification rules in ``rules``)."""
