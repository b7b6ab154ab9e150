"""Defaults and limits that the command line shows in its help.

Every kg command builds the whole parser, so its defaults live here, in a
module that imports nothing: reading them from the modules that use them
(``kg.endpoint``, ``kg.sparql_guard``, ``kg.serve``) cost every command,
``kg build`` included, 80 ms of imports (http.server, pyoxigraph, the
guard's tokenizer), before a build could start its extraction process.
"""

# --- kg push and kg query --endpoint (kg.endpoint) ---------------------------------------------

# triples per request: a few MB of N-Triples, small enough for any server's
# default request limit, large enough that request overhead does not dominate
PUSH_BATCH = 20_000
RETRIES = 5
# graphs sent at a time, each over its own connection. One: pushing 10,000
# article graphs into Virtuoso on a 2-core machine took 52 s one at a time and
# 63 s four at a time (the server's commits are the cost); a server with cores
# to spare may do better with more
PARALLEL = 1
PASSWORD_ENV = "KG_ENDPOINT_PASSWORD"

# --- kg serve (kg.sparql_guard) ----------------------------------------------------------------

# 20x the deepest shipped query (5), 22x below the shallowest crash measured with
# Rust's default stack (2,208 nested braces), 700x below it with kg serve's stack.
MAX_NESTING = 100
# 100x the largest shipped query (676 bytes). With kg serve's 256 MiB engine stack,
# the cheapest flat crash measured needs ~300,000 bytes ('!' x 303,104), 4.6x this.
MAX_QUERY_BYTES = 64 * 1024
