"""Coordinators' documents from live data: /report (the PDF and the value-map workbook) and
/export (a ZIP of pseudonymised microdata with its codebook)."""
