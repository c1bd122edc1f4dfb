"""The pure core: everything that talks to a vendor or shapes its data, and never imports Airflow.

One package per concern, lowest first; each may import only the ones above it in this list (a test checks it):

- foundation modules ``errors`` (typed errors that name the fix), ``clock``, ``jsoncodec`` and ``version``:
  import nothing of the core;
- ``partitions/``: windows, grains, lookback, a partition's status;
- ``records/``: typed column declarations, the ``tables`` layout, CSV typing;
- ``http/``: the one request path (transport, retry policy, limiters, responses, paging, the generic client);
  it knows no vendor;
- ``auth/``: grants, tokens, the token lifecycle, the per-connection runtime;
- ``datasets/``: what a dataset is declared with (:class:`Endpoint`, :class:`JobType`);
- ``genesys/`` and ``cxone/``: one package per vendor (client, declared endpoints, schemas, job families,
  answer shapes); neither imports the other;
- ``catalog``: the registry of every declared endpoint, schema, tables layout and job type, built from the
  vendor packages' declarations.

From outside a package, import its public names from the package (``from ...core.http import
HttpTransport``), not from its modules: each package's ``__init__`` is its one way in.
"""
