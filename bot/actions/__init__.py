"""Sequences of Discord calls and database changes that more than one cog needs, each in
one place that can repair its own half-done work: opening a round (its opener, thread
and lobby), announcing what a round's changes say, starting a planned round."""
