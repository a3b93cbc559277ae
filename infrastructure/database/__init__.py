"""Tables, engine, migrations and queries of the relational database."""
