"""The read-only research API (`/api/v1/`) and the page where staff manage their tokens.

See docs/api.md. Nothing else in Casecast imports this app: it sits on top, reading
studies, vignettes and resolution (the export column declarations) the way the pages do.
"""
