# String context and the store paths of sources (compared with Nix 2.8,
# which computes them without writing in read-only mode).
let
  file = "${../store/file.txt}";
  tree = "${../store/tree}";
  drv = derivation { name = "ctx"; system = "x86_64-linux"; builder = "/bin/sh"; };
  text = builtins.toFile "notes" "see ${file}\n";
  mk = attrs: derivation ({ system = "x86_64-linux"; builder = "/bin/sh"; } // attrs);
  withSource = mk { name = "with-source"; src = ../store/tree; script = text; };
  withInput = mk { name = "with-input"; dep = drv; args = [ "-c" "${withSource}/bin/x" ]; outputs = [ "out" "dev" ]; };
  chain = mk { name = "chain"; a = withInput.dev; b = withInput; c = file; };
in
{
  interpolated-file = file;
  interpolated-dir = tree;
  interpolated-below = "${../store/tree}/sub/data.toml";
  context-of-file = builtins.getContext file;
  has-context = builtins.hasContext file;
  plain-has-no-context = builtins.hasContext "abc";
  to-string-of-path-is-not-copied = toString ../store/file.txt == builtins.toString ../store/file.txt;
  to-string-no-context = builtins.hasContext (toString ../store/tree);
  concat-keeps-context = builtins.getContext ("a" + file + tree);
  discard = builtins.getContext (builtins.unsafeDiscardStringContext file);
  discard-keeps-text = builtins.unsafeDiscardStringContext file == file;
  to-file = text;
  to-file-context = builtins.getContext text;
  to-file-plain = builtins.toFile "plain.txt" "no references\n";
  path-default = builtins.path { path = ../store/tree; };
  path-named = builtins.path { path = ../store/tree; name = "renamed"; };
  path-flat = builtins.path { path = ../store/file.txt; recursive = false; };
  path-filtered = builtins.path {
    path = ../store/tree;
    name = "filtered";
    filter = path: type: type != "symlink" && baseNameOf path != "default.nix";
  };
  path-sha256 = builtins.path {
    path = ../store/tree;
    sha256 = "1mvhj9rfpxx58qdpqrrc5rjd7w4mpkdcqdbp08dqdvbjxmblha4y";
  };
  filter-source = builtins.filterSource (path: type: type == "directory" || baseNameOf path == "run.sh") ../store/tree;
  filter-source-context = builtins.getContext (builtins.filterSource (p: t: true) ../store/tree);
  drv-context = builtins.getContext drv.drvPath;
  drv-with-source = [ withSource.drvPath withSource.outPath ];
  drv-with-input = [ withInput.drvPath withInput.outPath withInput.dev.outPath ];
  drv-chain = [ chain.drvPath chain.outPath (builtins.getContext chain.drvPath) ];
  drv-has-context = builtins.hasContext drv.outPath;
  cut-keeps-context = builtins.hasContext (builtins.substring 11 100 drv.outPath);
  out-context = builtins.getContext drv.outPath;
  out-context-interpolated = builtins.getContext "${drv}/bin/x";
  discard-output-dependency = builtins.getContext (builtins.unsafeDiscardOutputDependency drv.drvPath);
  append-context = builtins.getContext (builtins.appendContext "x" {
    ${builtins.unsafeDiscardStringContext file} = { path = true; };
    ${builtins.unsafeDiscardStringContext drv.drvPath} = { outputs = [ "out" ]; allOutputs = true; };
  });
  substring-keeps-context = builtins.getContext (builtins.substring 0 0 file);
  replace-keeps-context = builtins.hasContext (builtins.replaceStrings [ "a" ] [ file ] "a");
  replace-unused-drops = builtins.hasContext (builtins.replaceStrings [ "zzz" ] [ file ] "a");
  concat-sep = builtins.getContext (builtins.concatStringsSep "," [ "a" file ]);
  match-drops = builtins.hasContext (builtins.head (builtins.match "(.*)" file));
  to-json-keeps = builtins.getContext (builtins.toJSON { a = [ file ]; });
  base-name = builtins.getContext (baseNameOf file);
}
