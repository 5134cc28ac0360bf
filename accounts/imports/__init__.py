"""Import accounts from a CSV or XLSX file: upload, map the columns, dry run, run as a job, report.

Every row goes through the same service as the account form (`accounts.services`): one set of rules.
"""
