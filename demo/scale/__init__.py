"""seed_scale's generators: practice.py builds the practice and each batch of couples, then plans.py and
notes.py add their records to the batch, which practice.Batch.write inserts in one transaction."""
