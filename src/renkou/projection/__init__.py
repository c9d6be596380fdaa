"""Projection input and output (人口预测输入输出): the file contract of ``renkou project``.

``io`` reads and validates an input directory (``config`` its settings, ``tables`` the
table parsing, ``arrays`` the placing of rows into projection arrays), ``paths`` reads
scenario path files, ``output`` writes results, ``sample`` writes a synthetic sample input
directory from ``data/sample.yaml``. The numerics are in :mod:`renkou.demography`."""
