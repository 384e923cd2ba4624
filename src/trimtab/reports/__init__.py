"""What readers see of the store: SageMaker's Describe and List responses (`responses`), one
row per training job (`rows`), and their rendering on a terminal (`console`, with rich).

The CLI, the Python API and the HTTP API only render what these compute.
"""
