"""Probabilistic record linkage (概率匹配) of rows quarantined for their ID number to the
registry's persons, with Splink on DuckDB, and the clerical review queue (人工复核)."""
