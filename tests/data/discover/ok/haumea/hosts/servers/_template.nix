throw "left out by haumea: the name starts with `_`"
