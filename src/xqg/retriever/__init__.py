"""The dense retriever: bi-encoder training (Tevatron-style), its training data and BM25 hard negatives."""
