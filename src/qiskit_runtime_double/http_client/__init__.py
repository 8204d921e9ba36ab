"""The client's HTTP layer: the one place that turns wire models into HTTP requests and error
answers into exceptions. From the bottom up: retry policy and status sets (``retry``), safe job
submission (``submission``), the route-by-route error table (``error_table``), the client
(``client``), instance discovery through IBM Cloud's Global Search and Catalog (``discovery``), and
how a service gets its transport and instance (``connect``). Nothing above it sees a status
code."""
