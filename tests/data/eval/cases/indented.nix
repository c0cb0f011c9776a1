# Indented strings: indentation stripping and escapes, as Nix does them.
let
  x = "X";
  multi = "l1\nl2";
in
{
  basic = ''
    hello
    world
  '';
  keeps-relative-indent = ''
    a
      b
        c
    d
  '';
  first-line-kept = ''first
    second
  '';
  no-trailing-newline = ''
    abc'';
  escape-dollar-brace = ''
    ''${not interpolated}
  '';
  escape-quotes = ''
    three ''' quotes
  '';
  escape-newline = ''
    a''\nb
  '';
  escape-tab = ''
    a''\tb
  '';
  escape-backslash-other = ''
    a''\xb
  '';
  escape-at-line-start = ''
      ''${x}
    y
  '';
  dollar-alone = ''
    costs $5 and $ alone
  '';
  backslash-literal = ''
    C:\path\n is literal
  '';
  single-quote = ''
    it's fine
  '';
  interpolation = ''
    value: ${x}
  '';
  interpolation-start-of-line = ''
    ${x} at start
      ${x} indented
  '';
  interpolation-multiline-value = ''
    before
    ${multi}
    after
  '';
  nested = ''
    outer ${''inner ${x}''} end
  '';
  empty = '''';
  only-spaces = ''   '';
  blank-lines = ''

    a

    b

  '';
  trailing-spaces-last-line = ''
    a
    '';
  less-indented-close = ''
      deep
    '';
  tab-not-stripped = ''
	tab
  '';
  mixed-dollar-escape = ''
    ''$ and $${x}
  '';
  quote-dollar = ''
    '$
  '';
  single-line = ''single line'';
  leading-space-line = ''   
    after spaces-only first line
  '';
}
