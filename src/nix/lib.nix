# The subset of nixpkgs' `lib` that data declarations use, written in Nix
# and evaluated by atelier's own evaluator. Definitions follow nixpkgs so that
# results agree with the real `lib` (tests/nix_lib_diff.rs checks that).
# `types` is opaque: option types only matter to the NixOS module system.
# `internal` holds the few helpers written in Rust (see builtins.rs).
internal:
let
  b = builtins;
  inherit (b)
    attrNames attrValues concatLists concatMap concatStringsSep elem filter
    foldl' genList hasAttr head isAttrs isList length listToAttrs map mapAttrs
    stringLength substring tail;

  id = x: x;
  functionArgs = b.functionArgs;
  const = x: _: x;
  flip = f: a: b: f b a;
  concatStrings = concatStringsSep "";
  concatMapStrings = f: list: concatStrings (map f list);
  concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
  optional = cond: elem: if cond then [ elem ] else [ ];
  optionals = cond: elems: if cond then elems else [ ];
  optionalString = cond: string: if cond then string else "";
  optionalAttrs = cond: as: if cond then as else { };
  foldr = op: nul: list:
    let
      len = length list;
      fold' = n: if n == len then nul else op (b.elemAt list n) (fold' (n + 1));
    in
    fold' 0;
  foldl = op: nul: list:
    let
      foldl'' = n: if n == -1 then nul else op (foldl'' (n - 1)) (b.elemAt list n);
    in
    foldl'' (length list - 1);
  flatten = x: if isList x then concatMap (y: flatten y) x else [ x ];
  unique = foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ];
  last = list: b.elemAt list (length list - 1);
  init = list: genList (i: b.elemAt list i) (length list - 1);
  take = count: list: genList (i: b.elemAt list i) (if count < length list then count else length list);
  drop = count: list:
    let len = length list; n = if count < len then count else len; in
    genList (i: b.elemAt list (i + n)) (len - n);
  range = first: last: if first > last then [ ] else genList (n: first + n) (last - first + 1);
  count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;
  toList = x: if isList x then x else [ x ];
  hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
  hasSuffix = suffix: content:
    let
      lenContent = stringLength content;
      lenSuffix = stringLength suffix;
    in
    lenContent >= lenSuffix && substring (lenContent - lenSuffix) lenContent content == suffix;
  removePrefix = prefix: str:
    let preLen = stringLength prefix; in
    if substring 0 preLen str == prefix then substring preLen (-1) str else str;
  removeSuffix = suffix: str:
    let
      sufLen = stringLength suffix;
      sLen = stringLength str;
    in
    if sufLen <= sLen && suffix == substring (sLen - sufLen) sufLen str then
      substring 0 (sLen - sufLen) str
    else
      str;
  escapeShellArg = internal.escapeShellArg;
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;
  concatLines = concatMapStrings (s: s + "\n");
  lowerChars = b.genList (i: b.substring i 1 "abcdefghijklmnopqrstuvwxyz") 26;
  upperChars = b.genList (i: b.substring i 1 "ABCDEFGHIJKLMNOPQRSTUVWXYZ") 26;
  toLower = b.replaceStrings upperChars lowerChars;
  toUpper = b.replaceStrings lowerChars upperChars;
  getExe' = x: y: "${x}/bin/${y}";
  getExe = x: "${x}/bin/${x.meta.mainProgram or (x.pname or x.name)}";
  listFilesRecursive = dir:
    flatten (mapAttrsToList
      (name: type: if type == "directory" then listFilesRecursive (dir + "/${name}") else dir + "/${name}")
      (b.readDir dir));
  boolToString = x: if x then "true" else "false";
  makeSearchPath = subDir: paths: concatStringsSep ":" (map (path: path + "/" + subDir) (filter (x: x != null) paths));
  makeBinPath = paths: concatStringsSep ":" (map (p: "${p}/bin") paths);
  nameValuePair = name: value: { inherit name value; };
  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
  mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
  mapAttrs' = f: set: listToAttrs (map (attr: f attr set.${attr}) (attrNames set));
  filterAttrs = pred: set:
    listToAttrs (concatMap (name: let v = set.${name}; in if pred name v then [ (nameValuePair name v) ] else [ ]) (attrNames set));
  attrByPath = attrPath: default: set:
    let
      lenAttrPath = length attrPath;
      attrByPath' = n: s:
        (if n == lenAttrPath then s
         else (let attr = b.elemAt attrPath n; in
           if s ? ${attr} then attrByPath' (n + 1) s.${attr} else default));
    in
    attrByPath' 0 set;
  getAttrFromPath = attrPath: set: attrByPath attrPath (throw "cannot find attribute `${concatStringsSep "." attrPath}'") set;
  setAttrByPath = attrPath: value:
    let
      len = length attrPath;
      atDepth = n: if n == len then value else { ${b.elemAt attrPath n} = atDepth (n + 1); };
    in
    atDepth 0;
  recursiveUpdateUntil = pred: lhs: rhs:
    let
      f = attrPath:
        b.zipAttrsWith (n: values:
          let here = attrPath ++ [ n ]; in
          if length values == 1 || pred here (b.elemAt values 1) (head values) then head values
          else f here values);
    in
    f [ ] [ rhs lhs ];
  recursiveUpdate = lhs: rhs:
    recursiveUpdateUntil (path: lhs: rhs: !(isAttrs lhs && isAttrs rhs)) lhs rhs;

  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;
  mkOption = attrs: attrs // { _type = "option"; };
  mkEnableOption = name: mkOption {
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
    type = types.bool;
  };
  mkPackageOption = internal.unknown "lib.mkPackageOption";
  types = internal.unknown "lib.types";
  literalExpression = text: { _type = "literalExpression"; inherit text; };

  # Discovery reads `modules` from this marker instead of running the NixOS
  # module system.
  nixosSystem = args: {
    _type = "nixosSystem";
    inherit args;
    modules = args.modules or [ ];
    specialArgs = args.specialArgs or { };
  };

  trivial = { inherit id const flip boolToString functionArgs; };
  filesystem = { inherit listFilesRecursive; };
  meta = { inherit getExe getExe'; };
  strings = {
    inherit concatStrings concatMapStrings concatMapStringsSep concatStringsSep
      optionalString hasPrefix hasSuffix removePrefix removeSuffix escapeShellArg
      escapeShellArgs makeBinPath makeSearchPath boolToString concatLines toLower toUpper;
  };
  lists = {
    inherit optional optionals foldr foldl foldl' flatten unique last init take drop
      range count toList concatLists concatMap filter map elem length head tail;
  };
  attrsets = {
    inherit optionalAttrs nameValuePair genAttrs mapAttrsToList mapAttrs' filterAttrs
      attrByPath getAttrFromPath setAttrByPath recursiveUpdate recursiveUpdateUntil
      attrNames attrValues mapAttrs listToAttrs hasAttr;
  };
  modules = { inherit mkIf mkMerge mkOverride mkDefault mkForce mkOptionDefault mkOrder mkBefore mkAfter; };
  options = { inherit mkOption mkEnableOption mkPackageOption literalExpression; };
in
trivial // strings // lists // attrsets // modules // options // {
  inherit trivial strings lists attrsets modules options filesystem types nixosSystem mkVMOverride;
  inherit getExe getExe';
  mdDoc = x: x;
  inherit (b) isString isList isAttrs isBool isInt isFunction genList;
  isNull = x: x == null;
}
