"""The client's HTTP layer: the one place that turns wire models into HTTP requests and error
answers into exceptions (the client, its route-by-route error table, safe job submission, and
instance discovery through IBM Cloud's Global Search and Catalog). Nothing above it sees a status
code."""
