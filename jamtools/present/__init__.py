"""Present: what a reader sees — labels, number formats, sentences, tables, figures and the
machine-readable results file. Everything here receives disclosed results and never touches
person rows."""
