"""SEROI+ steps 1 and 3: goal rounds, idea rounds, actions, "you said, we did"."""
