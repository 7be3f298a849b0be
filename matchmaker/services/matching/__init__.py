"""The matching engine as the app uses it: the corpus, the fitted model, matches and their display."""
