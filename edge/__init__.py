"""What every app checks at its edge, below all of them: input dates in a range the code can
compute with, API rate limits counted atomically in Redis, and private files opened inline under a
strict policy."""
