"""Rendering what the core returns, apart from it: terminal tables, CSV, Markdown, JSON and XLSX
(:mod:`~dedup.render.output`), the JSON shapes (:mod:`~dedup.render.shapes`), each command's tables
and notes (:mod:`~dedup.render.views`) and the HTML reports (:mod:`~dedup.render.html`)."""
