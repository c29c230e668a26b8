"""The detection engine. Pure Python plus compiled matchers: no Django, no web framework."""
