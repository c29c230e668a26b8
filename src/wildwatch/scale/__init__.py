"""Scanning at scale on a distributed engine: :mod:`wildwatch.scale.spark` (Apache Spark, the ``spark`` extra).

:mod:`wildwatch.scale.batches` is the part that runs inside the executors. It needs pyarrow and the engine, not
pyspark: it turns an Arrow batch of input records into an Arrow batch of decisions, with the local scanner's rules
for rows (:mod:`wildwatch.io`) and the same detector.
"""
