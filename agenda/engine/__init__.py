"""The matching engine: what turns units of text and a codebook into match events and counts.

- normalize: text and terms to token strings (NFKC, folds, case), the same way for both;
- segment: documents to units (paragraphs, sentences), boilerplate dropped;
- match: the compiled codebook (one regex per rule and item, triggers and screens) and the counts;
- literals: the literals a regex requires, for screens;
- scan (and _scan.c): the optional native passes (token strings, word counts, term counts, screens);
- events: match events (positions of every match) and the rule language's near, all and any;
- context: context rules, licensed by neighbouring coded units.
"""
