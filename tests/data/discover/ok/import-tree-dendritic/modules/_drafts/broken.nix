# Skipped by import-tree (a segment starts with `_`): reading it would fail.
throw "modules/_drafts is never read"
