"""Population impact assessment of major decisions (重大决策人口影响评估): decision files,
shocks on the baseline projection, indicators, risk grades and the Word report."""
