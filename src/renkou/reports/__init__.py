"""Evaluation reports (规划实施评估报告): the report model (:mod:`.evaluation`), charts
(:mod:`.charts`, matplotlib with the shipped CJK font) and the Word and HTML writers."""
