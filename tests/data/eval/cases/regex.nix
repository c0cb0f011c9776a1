# Regular expressions (POSIX extended, as Nix reads them): builtins.match
# (the whole string, its groups or null) and builtins.split (text between
# matches, and each match's groups).
{
  match-groups = builtins.match "([a-z]+)-([0-9]+)" "app-42";
  match-whole-string-only = builtins.match "a" "ab";
  match-no-groups = builtins.match "[a-z]+" "abc";
  match-group-not-taken = builtins.match "(a)|(b)" "b";
  match-basename = builtins.match ".*/([^/]+)\\.db" "/var/lib/app/data.db";
  match-class = builtins.match "[[:alpha:]]+([[:digit:]]*)" "abc123";
  match-optional = builtins.match "(/[^ ]*)( .*)?" "/srv/data --flag";
  match-no-match = builtins.match "[0-9]+" "abc";
  match-anchors-literal = builtins.match "a.c" "abc";
  match-in-condition = if builtins.match ".*\\.sqlite" "app.sqlite" != null then "db" else "file";
  split-plain = builtins.split "," "a,b,c";
  split-group = builtins.split "(,)" "a,b";
  split-no-match = builtins.split "x" "abc";
  split-class = builtins.split "([ab])" "xaybz";
  split-repeated = builtins.split "/+" "/var//lib/";
  split-alternatives = builtins.split "(a)|(b)" "xaybz";
  split-words = builtins.filter builtins.isString (builtins.split " +" "backup  restore drill");
}
