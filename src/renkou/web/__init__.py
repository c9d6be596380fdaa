"""Static front end (仪表盘): HTML, JS, CSS, vendored ECharts and map shapes."""
