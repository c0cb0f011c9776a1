# error: missing-attribute
# Flakes are evaluated in pure mode, which has no `builtins.currentSystem`
# (Nix: "attribute 'currentSystem' missing").
{ system = builtins.currentSystem; }
