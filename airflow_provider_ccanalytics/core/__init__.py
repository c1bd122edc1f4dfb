"""Pure-Python core: auth, transport, paging and vendor endpoints. Never imports Airflow."""
