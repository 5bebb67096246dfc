"""Dossiers (hồ sơ TTHC): the province's one-stop system's export imported by
`feedback dossiers import`, counted on time and late per procedure for the periodic report,
and matched to survey answers through the keyed hash of the dossier code.

- `columns`: the header table (which column of the export is which field) and the cells'
  dates; pure.
- `files`: the rows of a CSV or XLSX export, streamed; pure.
- `figures`: the on-time verdict and the counts' rates (QĐ 766); pure.
- `services`: the import, one transaction, all or nothing.
- `stats`: the figures of a unit and the units below it for a period, from SQL.
"""
