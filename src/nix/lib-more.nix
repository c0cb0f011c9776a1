# The parts of nixpkgs' lib few flakes use: option documentation, the
# derivation and scope helpers, `lib.misc` (nixpkgs' deprecated helpers),
# `lib.stringsWithDeps`, `lib.fetchers`, `lib.network`, `lib.gvariant`,
# the source helpers that read a git checkout. Apart from lib.nix so that
# it is parsed only when one of them is used (src/nix/builtins.rs
# `internal.more`); each written from what nixpkgs documents and checked
# against nixpkgs' lib by tests/nix_lib_builtin.rs. `internal` is what
# lib.nix gets (src/nix/builtins.rs).
{ lib, internal }:
let
  b = builtins;
  inherit (lib)
    all any attrNames attrValues collect concatLists concatMap concatMapStrings concatMapStringsSep
    concatStrings concatStringsSep elem elemAt extends filter filterAttrs flatten foldl foldr
    functionArgs genAttrs hasPrefix hasInfix head id intersectAttrs isAttrs isBool isDerivation
    isFunction isInt isList isOption isString last length listToAttrs makeExtensible map mapAttrs
    mapAttrs' mergeAttrs nameValuePair optional optionalAttrs optionals removePrefix removeSuffix
    replicate reverseList setFunctionArgs showOption sort splitString tail take toList warn;

  # ------------------------------------------------------------------ options

  # What the manual shows of each option below `options` (the option tree
  # of `lib.evalModules`): one entry per visible option, then the options
  # of its type (a submodule's), unless its `visible` hides them.
  docList = _: options:
    concatMap
      (opt:
        let
          name = showOption opt.loc;
          visible = opt.visible or true;
          type = opt.type or { };
          listed = if isBool visible then visible else visible == "shallow";
          below = if isBool visible then visible else visible == "transparent";
          hasDefault = opt ? defaultText || opt ? default
            || ((type.emptyValue or { }) ? value && (type.getSubModules or null) == null);
          entry = {
            inherit (opt) loc;
            inherit name;
            description = opt.description or null;
            declarations = filter (f: f != lib.unknownModule) opt.declarations;
            internal = opt.internal or false;
            visible = listed;
            readOnly = opt.readOnly or false;
            type = opt.type.description or "unspecified";
          }
          // optionalAttrs (opt ? example) {
            example = b.addErrorContext "while evaluating the example of option `${name}`"
              (renderOptionValue opt.example);
          }
          // optionalAttrs hasDefault {
            default = b.addErrorContext
              "while evaluating the ${if opt ? defaultText then "defaultText" else "default value"} of option `${name}`"
              (renderOptionValue (opt.defaultText or opt.default or opt.type.emptyValue.value));
          }
          // optionalAttrs (opt ? relatedPackages && opt.relatedPackages != null) {
            inherit (opt) relatedPackages;
          };
          sub = opt.type.getSubOptions opt.loc;
        in
        [ entry ] ++ optionals below (if sub != { } then docList opt.loc sub else [ ]))
      (collect isOption options);

  # A default or example as the manual shows it: a literal as it is, any
  # other value printed as a Nix expression.
  renderOptionValue = v:
    if v ? _type && v ? text then v
    else lib.literalExpression (lib.generators.toPretty { multiline = true; allowPrettyValues = true; } v);

  scrubOptionValue = x:
    if isDerivation x then { type = "derivation"; drvPath = x.name; outPath = x.name; name = x.name; }
    else if isList x then map scrubOptionValue x
    else if isAttrs x then mapAttrs (_: scrubOptionValue) (removeAttrs x [ "_args" ])
    else x;

  # Definitions as an error message lists them: each file, and its value
  # (at most five lines of it) when that can be printed.
  showDefs = concatMapStrings (def:
    let
      printed = b.tryEval (lib.generators.toPretty { }
        (lib.generators.withRecursion { depthLimit = 10; throwOnDepthLimit = false; } def.value));
      lines = filter (l: !isList l) (b.split "\n" printed.value);
      shown = concatStringsSep "\n    " (take 5 lines ++ optional (length lines > 5) "...");
      value =
        if !printed.success then ""
        else if length lines > 1 then ":\n    " + shown
        else ": " + shown;
    in
    "\n- In `${def.file}'${value}");

  # --------------------------------------------------------- customisation

  # `drv` with `passthru` added, each output too; its paths (`drvPath`,
  # `outPath`, every output's) assert `condition` when read.
  extendDerivation = condition: passthru: drv:
    let
      outputNames = drv.outputs or [ "out" ];
      guarded = v: assert condition; v;
      output = o: whole // {
        inherit (drv.${o}) type outputName;
        outputSpecified = true;
        drvPath = guarded drv.${o}.drvPath;
        outPath = guarded drv.${o}.outPath;
        ${if passthru ? overrideAttrs then "overrideAttrs" else null} = f: (passthru.overrideAttrs f).${o};
      };
      outputs = map (o: nameValuePair o (output o)) outputNames;
      whole = drv // listToAttrs outputs // { all = map (o: o.value) outputs; } // passthru // {
        drvPath = guarded drv.drvPath;
        outPath = guarded drv.outPath;
      };
    in
    whole;

  # What Hydra needs of a derivation (name, system, meta, outputs), forced.
  hydraJob = drv:
    let
      outputNames = drv.outputs or [ "out" ];
      shared = {
        inherit (drv) name system meta;
        outputs = outputNames;
      }
      // optionalAttrs (drv._hydraAggregate or false) {
        _hydraAggregate = true;
        constituents = map hydraJob (flatten drv.constituents);
      }
      // listToAttrs outputs;
      outputs = map (o: nameValuePair o (shared // {
        inherit (drv.${o}) outPath drvPath;
        type = "derivation";
        outputName = o;
      })) outputNames;
      first = (head outputs).value;
    in
    if drv == null then null else b.deepSeq first first;

  # The derivation made from `drv`'s attributes changed by `f`, keeping
  # its `meta` and `passthru`.
  overrideDerivation = drv: f:
    extendDerivation (b.seq drv.drvPath true)
      ({ meta = drv.meta or { }; passthru = drv.passthru or { }; }
        // (drv.passthru or { })
        // {
          ${if drv ? __spliced then "__spliced" else null} = mapAttrs (_: d: overrideDerivation d f) drv.__spliced;
        })
      (derivation (drv.drvAttrs // f drv));

  # `makeScope` for cross compilation: `callPackage` and `newScope` see the
  # package sets `splicePackages` makes of this scope and the other
  # platforms' (`otherSplices`).
  makeScopeWithSplicing' = { splicePackages, newScope }:
    { otherSplices, keep ? (_: { }), extra ? (_: { }), f }:
    let
      spliced0 = splicePackages {
        pkgsBuildBuild = otherSplices.selfBuildBuild;
        pkgsBuildHost = otherSplices.selfBuildHost;
        pkgsBuildTarget = otherSplices.selfBuildTarget;
        pkgsHostHost = otherSplices.selfHostHost;
        pkgsHostTarget = self;
        pkgsTargetTarget = otherSplices.selfTargetTarget;
      };
      spliced = extra spliced0 // spliced0 // keep self;
      self = f self // {
        newScope = scope: newScope (spliced // scope);
        callPackage = newScope spliced;
        overrideScope = g: makeScopeWithSplicing' { inherit splicePackages newScope; } {
          inherit otherSplices keep extra;
          f = extends g f;
        };
        packages = f;
      };
    in
    self;
  makeScopeWithSplicing = splicePackages: newScope: otherSplices: keep: extra: f:
    makeScopeWithSplicing' { inherit splicePackages newScope; } { inherit otherSplices keep extra f; };

  # A `mkDerivation`-like function over `constructDrv`, whose arguments
  # (a set, or a function of the final attributes) are extended by
  # `extendDrvArgs final previous`.
  extendMkDerivation = { constructDrv, excludeDrvArgNames ? [ ], excludeFunctionArgNames ? [ ], extendDrvArgs
    , inheritFunctionArgs ? true, transformDrv ? id }: {
    __functor = _: args: transformDrv (constructDrv (final:
      let previous = if isFunction args then args final else args; in
      removeAttrs previous excludeDrvArgNames // extendDrvArgs final previous));
    __functionArgs = removeAttrs
      (optionalAttrs inheritFunctionArgs (removeAttrs (functionArgs constructDrv) excludeDrvArgNames)
        // functionArgs (extendDrvArgs { }))
      excludeFunctionArgNames;
    inherit constructDrv excludeDrvArgNames extendDrvArgs transformDrv;
  };

  # A store path as a derivation of one output, `out`. Its `outPath` is
  # the path with its context, which `builtins.storePath` gives and
  # atelier-gen does not (unknown).
  toDerivation = path:
    let
      p = b.storePath path;
      drv = {
        type = "derivation";
        name = lib.strings.sanitizeDerivationName
          (b.substring 33 (-1) (baseNameOf (b.unsafeDiscardStringContext (toString path))));
        outPath = p;
        outputs = [ "out" ];
        out = drv;
        outputName = "out";
      };
    in
    drv;

  # Each attribute but `meta`, `name`, `type` and `outputName` warns with
  # `msg` when read (so do those of `overrideAttrs`' result).
  warnOnInstantiate = msg: drv:
    drv
    // mapAttrs (_: warn msg) (removeAttrs drv [ "meta" "name" "type" "outputName" ])
    // optionalAttrs (drv ? overrideAttrs && isFunction drv.overrideAttrs) {
      overrideAttrs = x: warnOnInstantiate msg (drv.overrideAttrs x);
    };

  # ----------------------------------------------------------------- sources

  # A git checkout's commit: HEAD (or the ref it names) from its files,
  # its packed refs, or the checkout a `.git` file (a worktree, a
  # submodule) points to. `{ value; }` or `{ error; }`.
  gitCommit =
    let
      absolute = base: p:
        if hasPrefix "/" p then p else if hasPrefix "/" base then "${base}/${p}" else "/${base}/${p}";
      read = file: dir:
        let
          refFile = dir + "/${file}";
          packed = dir + "/packed-refs";
        in
        if lib.pathIsRegularFile dir then
          let m = b.match "^gitdir: (.*)$" (lib.fileContents dir); in
          if m == null then { error = "File contains no gitdir reference: " + dir; }
          else
            let
              gitDir = absolute (dirOf dir) (head m);
              common = absolute gitDir (removeSuffix "/"
                (if lib.pathIsRegularFile "${gitDir}/commondir" then lib.fileContents "${gitDir}/commondir" else gitDir));
            in
            read (removePrefix "${common}/" "${gitDir}/${file}") common
        else if lib.pathIsRegularFile refFile then
          let
            text = lib.fileContents refFile;
            ref = b.match "^ref: (.*)$" text;
          in
          if ref == null then { value = text; } else read (head ref) dir
        else if lib.pathIsRegularFile packed then
          let
            line = b.match "([a-z0-9]+) ${file}";
            found = filter (l: isString l && line l != null) (b.split "\n" (b.readFile packed));
          in
          if found == [ ] then { error = "Could not find " + file + " in " + packed; }
          else { value = head (line (head found)); }
        else { error = "Not a .git directory: " + toString dir; };
    in
    read "HEAD";

  # The name part of a URL or path, without archive or `.git` suffixes.
  urlToName = url:
    let
      base = baseNameOf (removeSuffix "/" (last (splitString ":" (toString url))));
      strip = n:
        let m = b.match "(.*)\\.(git|tar|zip|gz|tgz|bz|tbz|bz2|tbz2|lzma|txz|xz|zstd)$" n; in
        if m != null then head m else n;
      shortest = n: let s = strip n; in if b.stringLength s < b.stringLength n then shortest s else n;
    in
    shortest base;
  # A revision as a name: a hash's first 7 characters, a tag's version.
  shortRev = rev:
    let
      r = baseNameOf (toString rev);
      version = b.match "([A-Za-z]+[-_. ]?)*(v)?([0-9.]+.*)" r;
    in
    if b.match "[a-f0-9]+" r != null then b.substring 0 7 r
    else if version != null then last version
    else r;
  repoRevToNameFull = repo: rev: suffix:
    "${urlToName repo}${if rev != null then "-${shortRev rev}" else ""}${if suffix != null then "-${suffix}" else ""}-source";

  # ------------------------------------------------------- stringsWithDeps

  # The texts of the entries `names` (and, first, those each depends on),
  # each once.
  textClosureList = entries: names:
    let
      go = done: todo:
        if todo == [ ] then { result = [ ]; inherit done; }
        else
          let e = head todo; in
          if isAttrs e then
            let
              deps = go done e.deps;
              rest = go deps.done (tail todo);
            in
            { result = deps.result ++ [ e.text ] ++ rest.result; inherit (rest) done; }
          else if done ? ${e} then go done (tail todo)
          else go (done // { ${e} = 1; }) ([ entries.${e} ] ++ tail todo);
    in
    (go { } names).result;

  # ----------------------------------------------------------------- misc
  # nixpkgs' deprecated helpers (lib/deprecated), as they behave.

  maybeAttr = name: default: attrs: attrs.${name} or default;
  setAttr = set: name: v: set // { ${name} = v; };
  setAttrMerge = name: default: attrs: f: setAttr attrs name (f (maybeAttr name default attrs));
  defaultMergeArg = x: y: if isAttrs y then y else y x;
  defaultMerge = x: y: x // defaultMergeArg x y;
  foldArgs = merger: f: init: x:
    let
      arg = merger init (defaultMergeArg init x);
      made = setAttrMerge "passthru" { } (f arg) (z: z // {
        function = foldArgs merger f arg;
        args = (lib.attrByPath [ "passthru" "args" ] { } z) // x;
      });
    in
    made // { override = made.passthru.function; };
  checkFlag = attrSet: name:
    if name == "true" then true
    else if name == "false" then false
    else if elem name (lib.attrByPath [ "flags" ] [ ] attrSet) then true
    else lib.attrByPath [ name ] false attrSet;
  getValue = attrSet: argList: name:
    lib.attrByPath [ name ]
      (if checkFlag attrSet name then true
       else if argList == [ ] then null
       else let x = head argList; in if head x == name then head (tail x) else getValue attrSet (tail argList) name)
      attrSet;
  checkReqs = attrSet: argList: condList:
    foldr lib.and true (map (x:
      checkFlag attrSet (head x)
      -> foldr lib.and true (map (y: let v = getValue attrSet argList y; in v != null && v != false) (tail x)))
      condList);
  uniqList = { inputList, acc ? [ ] }:
    let
      go = xs: seen:
        if xs == [ ] then [ ]
        else
          let
            x = head xs;
            kept = if elem x seen then [ ] else [ x ];
          in
          kept ++ go (tail xs) (kept ++ seen);
    in
    go inputList acc;
  uniqListExt = { inputList, outputList ? [ ], getter ? id, compare ? (x: y: x == y) }:
    if inputList == [ ] then outputList
    else
      let
        x = head inputList;
        same = y: compare (getter y) (getter x);
      in
      uniqListExt {
        outputList = outputList ++ (if any same outputList then [ ] else [ x ]);
        inputList = tail inputList;
        inherit getter compare;
      };
  condConcat = name: list: checker:
    if list == [ ] then name
    else if checker (head list) then condConcat (name + head (tail list)) (tail (tail list)) checker
    else condConcat name (tail (tail list)) checker;
  lazyGenericClosure = { startSet, operator }:
    let
      go = todo: seen: result:
        if todo == [ ] then result
        else
          let x = head todo; in
          if elem x.key seen then go (tail todo) seen result
          else go (tail todo ++ operator x) ([ x.key ] ++ seen) ([ x ] ++ result);
    in
    go startSet [ ] [ ];
  innerModifySumArgs = f: x: a: y: if y == null then f a y // x else innerModifySumArgs f x (a // y);
  innerClosePropagation = acc: xs:
    if xs == [ ] then acc
    else
      let y = head xs; ys = tail xs; in
      if !isAttrs y then innerClosePropagation acc ys
      else
        let acc' = [ y ] ++ acc; in
        innerClosePropagation acc' (uniqList {
          inputList = (y.propagatedBuildInputs or [ ]) ++ (y.propagatedNativeBuildInputs or [ ]) ++ ys;
          acc = acc';
        });
  closePropagationSlow = list: uniqList { inputList = innerClosePropagation [ ] list; };
  # The propagated closure, each package once (by `outPath`).
  closePropagationFast = list:
    let item = x: { key = x.outPath; val = x; }; in
    map (x: x.val) (b.genericClosure {
      startSet = map item (filter (x: x != null) list);
      operator = i:
        if !isAttrs i.val then [ ]
        else map item (filter (x: x != null)
          ((i.val.propagatedBuildInputs or [ ]) ++ (i.val.propagatedNativeBuildInputs or [ ])));
    });
  mergeAttrsWithFunc = f: set1: set2:
    foldr (n: set: if set ? ${n} then setAttr set n (f set.${n} set2.${n}) else set) (set2 // set1) (attrNames set2);
  mergeAttrsNoOverride = { mergeLists ? [ "buildInputs" "propagatedBuildInputs" ], overrideSnd ? [ "buildPhase" ] }:
    attrs1: attrs2:
    foldr (n: set: setAttr set n (
      if !(set ? ${n}) then attrs2.${n}
      else if elem n mergeLists then attrs2.${n} ++ attrs1.${n}
      else if elem n overrideSnd then attrs1.${n}
      else throw "error mergeAttrsNoOverride, attribute ${n} given in both attributes - no merge func defined"))
      attrs1 (attrNames attrs2);
  # `x // y`, the names `mergeAttrBy` (of `x`, `y` or the default) lists
  # merged by its function where both have them.
  mergeAttrByFunc = x: y:
    let
      by = { mergeAttrBy = mergeAttrs; } // (x.mergeAttrBy or { }) // (y.mergeAttrBy or { });
      present = filterAttrs (n: _: x ? ${n} || y ? ${n}) by;
    in
    x // y // mapAttrs (n: f:
      if x ? ${n} && y ? ${n} then f x.${n} y.${n} else if x ? ${n} then x.${n} else y.${n}) present;
  mergeAttrBy =
    genAttrs [ "nativeBuildInputs" "buildInputs" "propagatedBuildInputs" "configureFlags" "prePhases" "postAll" "patches" ]
      (_: lib.concat)
    // genAttrs [ "passthru" "meta" "cfg" "flags" ] (_: mergeAttrs)
    // genAttrs [ "preConfigure" "postInstall" ] (_: a: c: "${a}\n${c}");
  mergeAttrsByFuncDefaults = foldl mergeAttrByFunc { inherit mergeAttrBy; };
  nixType = x:
    if isAttrs x then (if x ? outPath then "derivation" else "attrs")
    else if isFunction x then "function"
    else if isList x then "list"
    else if x == true || x == false then "bool"
    else if x == null then "null"
    else if isInt x then "int"
    else "string";

  # --------------------------------------------------------------- fetchers

  # `hash` or one of `hashTypes` (`sha256` by default) as
  # `outputHash`/`outputHashAlgo`, "" standing for the fake hash.
  normalizeHash = { hashTypes ? [ "sha256" ], required ? true }:
    let names = [ "hash" ] ++ hashTypes; in
    args:
    if args ? outputHash then args
    else
      let
        given = lib.attrsToList (intersectAttrs (genAttrs names (_: { })) args);
        fake = { hash = lib.fakeHash; sha256 = lib.fakeSha256; sha512 = lib.fakeSha512; };
        h =
          if given == [ ] then lib.throwIf required "fetcher called without `hash`" null
          else if length given != 1 then
            throw "fetcher called with mutually-incompatible arguments: ${concatMapStringsSep ", " (a: a.name) given}"
          else head given;
      in
      removeAttrs args names
      // optionalAttrs (h != null) {
        outputHashAlgo = if h.name == "hash" then null else h.name;
        outputHash = if h.value == "" then fake.${h.name} or (throw "no “fake hash” defined for ${h.name}") else h.value;
      };
  withNormalizedHash = { hashTypes ? [ "sha256" ] }: fetcher:
    let
      args = functionArgs fetcher;
      normalize = normalizeHash { inherit hashTypes; required = !args.outputHash; };
    in
    assert args ? outputHash && args ? outputHashAlgo;
    assert intersectAttrs args (genAttrs ([ "hash" ] ++ hashTypes) (_: { })) == { };
    setFunctionArgs (a: fetcher (normalize a))
      (removeAttrs args [ "outputHash" "outputHashAlgo" ] // { hash = args.outputHash; });

  # ----------------------------------------------------------------- network

  # An IPv6 address ("x:x::x", optionally "/prefix") as its eight 16-bit
  # pieces and its prefix length (128 when not given).
  ipv6Split = addr:
    let
      parts = splitString "/" addr;
      pieces = ipv6Pieces (head parts);
      prefix = lib.toInt (last parts);
    in
    if length parts == 1 then { address = pieces; prefixLength = 128; }
    else if length parts == 2 then {
      address = pieces;
      prefixLength =
        if prefix >= 1 && prefix <= 128 then prefix
        else throw "${addr} IPv6 subnet should be in range [1;128], got ${toString prefix}";
    }
    else throw "${addr} is not a valid IPv6 address in CIDR notation";
  # "2001:db8::1" as [ 8193 3512 0 0 0 0 0 1 ]: "::" stands for as many
  # zero pieces as are missing (at least one), once.
  ipv6Pieces = addr:
    let
      parts = splitString ":" addr;
      given = filter (p: p != "") parts;
      missing = b.genList (_: "0") (8 - length given);
      lead = hasPrefix "::" addr;
      trail = lib.hasSuffix "::" addr;
      inner = hasInfix "::" addr;
      empties = length parts - length given;
      expanded =
        if addr == "::" then missing
        else if empties != (if lead || trail then 2 else if inner then 1 else 0)
          || (inner && length given >= 8) || (!inner && length given != 8)
        then throw "${addr} is not a valid IPv6 address"
        else if lead then missing ++ given
        else if trail then given ++ missing
        else if inner then concatMap (p: if p == "" then missing else [ p ]) parts
        else parts;
      piece = h:
        let n = lib.fromHexString h; in
        if n >= 0 && n <= 65535 then n else throw "0x${h} is not a valid u16 integer";
    in
    if b.match "^[0-9A-Fa-f:]+$" addr == null then throw "${addr} contains malformed characters for IPv6 address"
    else map piece expanded;

  # --------------------------------------------------------------- gvariant
  # GVariant values as dconf's text format writes them: each a set with
  # its type string, its value and how it prints (`toString`).

  gvType = {
    arrayOf = t: "a${t}";
    maybeOf = t: "m${t}";
    tupleOf = ts: "(${concatStrings ts})";
    dictionaryEntryOf = k: v: "{${k}${v}}";
    string = "s"; boolean = "b"; uchar = "y"; int16 = "n"; uint16 = "q"; int32 = "i"; uint32 = "u";
    int64 = "x"; uint64 = "t"; double = "d"; variant = "v";
  };
  # A value of type `t`, printed as "@t value" unless `show` says otherwise.
  gv = t: value: show: {
    _type = "gvariant";
    type = t;
    inherit value;
    __toString = if show == null then (self: "@${self.type} ${toString self.value}") else show;
  };
  isGVariant = v: v._type or "" == "gvariant";
  # The integer constructors, with the range each takes (null: no bound).
  intConstructors = map (c: { name = head c; type = gvType.${elemAt c 1}; min = elemAt c 2; max = elemAt c 3; }) [
    [ "mkInt32" "int32" (-2147483648) 2147483647 ]
    [ "mkUint32" "uint32" 0 4294967295 ]
    [ "mkInt64" "int64" null null ]
    [ "mkUint64" "uint64" 0 null ]
    [ "mkInt16" "int16" (-32768) 32767 ]
    [ "mkUint16" "uint16" 0 65535 ]
    [ "mkUchar" "uchar" 0 255 ]
  ];
  # The GVariant value a Nix value stands for; an integer is ambiguous.
  gvValue = v:
    if isBool v then gvBoolean v
    else if b.isFloat v then gvDouble v
    else if isString v then gvString v
    else if isList v then gvArray v
    else if isGVariant v then v
    else if isInt v then
      throw ''
        The GVariant type for number “${toString v}” is unclear.
        Please wrap the value with one of the following, depending on the value type in GSettings schema:
        ${concatMapStringsSep "\n" (c: "- `lib.gvariant.${c.name}` for `${c.type}`")
          (filter (c: (c.min == null || c.min <= v) && (c.max == null || v <= c.max)) intConstructors)}
      ''
    else if isAttrs v then
      throw "Cannot construct GVariant value from an attribute set. If you want to construct a dictionary, you will need to create an array containing items constructed with `lib.gvariant.mkDictionaryEntry`."
    else throw "The GVariant type of “${b.typeOf v}” can't be inferred.";
  gvArray = elems:
    let
      vs = map gvValue (lib.throwIf (elems == [ ]) "Please create empty array with mkEmptyArray." elems);
      t = lib.throwIfNot (all (v: v.type == (head vs).type) vs) "Elements in a list should have same type." (head vs).type;
    in
    gv (gvType.arrayOf t) vs (self: "@${self.type} [${concatMapStringsSep "," toString self.value}]");
  gvMaybe = t: elem: gv (gvType.maybeOf t) elem
    (self: if self.value == null then "@${self.type} nothing" else "just ${toString self.value}");
  gvBoolean = v: gv gvType.boolean v (self: if self.value then "true" else "false");
  gvString = v: gv gvType.string v
    (self: "'${lib.replaceString "\n" "\\n" (lib.escape [ "'" "\\" ] self.value)}'");
  gvDouble = v: gv gvType.double v (self: toString self.value);
  isConvertibleWithToString = x:
    lib.isStringLike x || elem (b.typeOf x) [ "null" "int" "float" "bool" ]
    || (isList x && all isConvertibleWithToString x);
in
{
  options = {
    optionAttrSetToDocList = docList [ ];
    optionAttrSetToDocList' = docList;
    inherit renderOptionValue scrubOptionValue showDefs;
    literalCode = tag: text: lib.literalMD "```${tag}\n${text}\n```\n";
    showFiles = files: concatStringsSep " and " (map (f: "`${f}'") files);
    showOptionWithDefLocs = opt:
      "${showOption opt.loc}, with values defined in:\n${concatMapStringsSep "\n" (f: "  - ${f}") opt.files}\n";
  };

  customisation = {
    inherit extendDerivation hydraJob overrideDerivation makeScopeWithSplicing makeScopeWithSplicing'
      extendMkDerivation;
  };

  attrsets = { inherit toDerivation; };

  derivations = { inherit warnOnInstantiate; };

  sources = {
    pathIsGitRepo = path: gitCommit path ? value;
    commitIdFromGitRepo = path: let c = gitCommit path; in c.value or (throw c.error);
    inherit urlToName shortRev;
    # Sources are the paths themselves here (as `cleanSourceWith`'s).
    trace = src: src;
    sourceByGlobs = src: patterns: src;
    repoRevToName = kind:
      if kind == "source" then (_: _: _: "source")
      else if kind == "versioned" then (repo: rev: _: repoRevToNameFull repo rev null)
      else if kind == "full" then repoRevToNameFull
      else throw "repoRevToName: invalid kind";
  };

  stringsWithDeps = {
    inherit textClosureList;
    textClosureMap = f: entries: names: concatMapStringsSep "\n" f (textClosureList entries names);
    noDepEntry = text: { inherit text; deps = [ ]; };
    fullDepEntry = text: deps: { inherit text deps; };
    packEntry = deps: { inherit deps; text = ""; };
    stringAfter = deps: text: { inherit text deps; };
  };

  misc = {
    inherit maybeAttr setAttr setAttrMerge defaultMergeArg defaultMerge foldArgs checkFlag getValue checkReqs
      uniqList uniqListExt condConcat lazyGenericClosure innerModifySumArgs innerClosePropagation
      closePropagationSlow closePropagationFast mergeAttrsWithFunc mergeAttrsNoOverride mergeAttrByFunc
      mergeAttrBy mergeAttrsByFuncDefaults nixType;
    maybeEnv = name: default: let v = b.getEnv name; in if v == "" then default else v;
    maybeAttrNullable = maybeAttr;
    ifEnable = cond: val:
      if cond then val
      else if isList val then [ ]
      else if isAttrs val then { }
      else if val == true || val == false then false
      else null;
    modifySumArgs = f: x: innerModifySumArgs f x { };
    closePropagation = if b ? genericClosure then closePropagationFast else closePropagationSlow;
    nvs = name: value: { ${name} = value; };
    mergeAttrsConcatenateValues = mergeAttrsWithFunc (x: y: toList x ++ toList y);
    mergeAttrsByFuncDefaultsClean = list: removeAttrs (mergeAttrsByFuncDefaults list) [ "mergeAttrBy" ];
    imap = lib.imap1;
    inherit (lib) fakeHash fakeSha256 fakeSha512;
  };

  fetchers = {
    inherit normalizeHash withNormalizedHash;
    # The environment variables a fetcher passes on to reach a proxy.
    proxyImpureEnvVars = map lib.toLower [ "HTTP_PROXY" "HTTPS_PROXY" "FTP_PROXY" "ALL_PROXY" "NO_PROXY" ]
      ++ [ "HTTP_PROXY" "HTTPS_PROXY" "FTP_PROXY" "ALL_PROXY" "NO_PROXY" "NIX_SSL_CERT_FILE" ];
  };

  network.ipv6 = {
    fromString = addr:
      let s = ipv6Split addr; in
      { address = concatMapStringsSep ":" (p: lib.toLower (lib.toHexString p)) s.address; inherit (s) prefixLength; };
    # A MAC address (six hex octets, with or without `:`, `-` or `.`
    # between them) as the interface identifier of an EUI-64 address: the
    # universal/local bit flipped, ff:fe in the middle.
    mkEUI64Suffix = mac:
      let
        octet = "([0-9A-Fa-f]{2})";
        m = b.match "^${concatStringsSep "[-:.]?" (replicate 6 octet)}$" mac;
        o = elemAt m;
      in
      if m == null then throw ''"${mac}" is not a valid MAC address (expected 6 octets of hex digits)''
      else lib.toLower (concatStringsSep ":" [
        (lib.toHexString (lib.bitXor 512 (lib.fromHexString (o 0 + o 1))))
        "${o 2}ff"
        "fe${o 3}"
        (o 4 + o 5)
      ]);
  };

  gvariant = {
    type = gvType;
    inherit isGVariant intConstructors;
    mkValue = gvValue;
    mkArray = gvArray;
    mkEmptyArray = t: gv (gvType.arrayOf t) [ ] (self: "@${self.type} []");
    mkVariant = elem: gv gvType.variant (gvValue elem) (self: "<${toString self.value}>");
    mkDictionaryEntry = name: value:
      let k = gvValue name; v = gvValue value; in
      gv (gvType.dictionaryEntryOf k.type v.type) { inherit name value; } (self: "@${self.type} {${k},${v}}");
    mkMaybe = gvMaybe;
    mkNothing = t: gvMaybe t null;
    mkJust = elem: let v = gvValue elem; in gvMaybe v.type v;
    mkTuple = elems:
      let vs = map gvValue elems; in
      gv (gvType.tupleOf (map (v: v.type) vs)) vs (self: "@${self.type} (${concatMapStringsSep "," toString self.value})");
    mkBoolean = gvBoolean;
    mkString = gvString;
    mkObjectpath = v: gv gvType.string v (self: "objectpath '${lib.escape [ "'" ] self.value}'");
    mkUchar = v: gv gvType.uchar v null;
    mkInt16 = v: gv gvType.int16 v null;
    mkUint16 = v: gv gvType.uint16 v null;
    mkInt32 = v: gv gvType.int32 v (self: toString self.value);
    mkUint32 = v: gv gvType.uint32 v null;
    mkInt64 = v: gv gvType.int64 v null;
    mkUint64 = v: gv gvType.uint64 v null;
    mkDouble = gvDouble;
  };

  asserts = {
    assertEachOneOf = name: vals: xs:
      lib.assertMsg (all (v: elem v xs) vals)
        "each element in ${name} must be one of ${lib.generators.toPretty { } xs}, but is: ${lib.generators.toPretty { } vals}";
    # `val` when every assertion holds (with the warnings shown), else an
    # error listing the failed ones.
    checkAssertWarn = assertions: warnings: val:
      let failed = map (a: a.message) (filter (a: !a.assertion) assertions); in
      if failed != [ ] then throw "\nFailed assertions:\n${concatMapStringsSep "\n" (m: "- ${m}") failed}"
      else lib.showWarnings warnings val;
  };

  # `null` when no test failed; else an error naming the failed ones
  # (each also traced, in full).
  debug.throwTestFailures = { failures, description ? "tests", ... }:
    if failures == [ ] then null
    else
      let
        pretty = v: b.unsafeDiscardStringContext (lib.generators.toPretty { allowPrettyValues = true; } v);
        show = f: "FAIL ${pretty f.name}:\nExpected:\n${pretty f.expected}\n\nResult:\n${pretty f.result}\n";
        traced = b.foldl' (_: f: lib.traceVal (show f)) null failures;
      in
      throw (b.seq traced
        ("${toString (length failures)} ${description} failed:\n- "
          + concatMapStringsSep "\n- " (f: f.name) failures + "\n\n" + b.toJSON failures));

  filesystem = {
    # The subdirectories of `root` holding a `<name>.cabal` file, by name.
    haskellPathsInDir = root:
      listToAttrs (filter (e: b.pathExists (e.value + "/${e.name}.cabal"))
        (map (n: nameValuePair n (root + "/${n}")) (attrNames (b.readDir root))));
    # The nearest directory at or above `file` with an entry matching
    # `pattern`: `{ path; matches; }`, or null.
    locateDominatingFile = pattern: file:
      let
        up = dir:
          let found = filter (m: m != null) (map (b.match pattern) (attrNames (b.readDir dir))); in
          if found != [ ] then { path = dir; matches = found; }
          else if toString dir == "/" then null
          else up (dirOf dir);
        isDir = toString file == "/" || ((b.readDir (dirOf file)).${baseNameOf file} or null) == "directory";
      in
      up (if isDir then file else dirOf file);
  };

  fileset = {
    isFileset = x: (isAttrs x && x ? _atelierFiles) || (b.isPath x && b.pathExists x);
    # Tracing prints; the set itself is what they give.
    trace = fs: x: x;
    traceVal = fs: fs;
    gitTrackedWith = { recurseSubmodules ? false }: root:
      if !isBool recurseSubmodules then
        throw "lib.fileset.gitTrackedWith: Expected the attribute `recurseSubmodules` of the first argument to be a boolean, but it's a ${b.typeOf recurseSubmodules} instead."
      else root;
  };

  meta = {
    # Whether `pkg` is meant for `platform`: one of its `meta.platforms`
    # (when it has them), none of its `meta.badPlatforms`.
    availableOn = platform: pkg:
      (!(pkg ? meta.platforms) || any (lib.meta.platformMatch platform) pkg.meta.platforms)
      && (!(pkg ? meta.badPlatforms) || !(any (lib.meta.platformMatch platform) pkg.meta.badPlatforms));
    cpeFullVersionWithVendor = vendor: version: { inherit vendor version; update = "*"; };
  };

  # Whether a path is in the Nix store (or a content-addressed path's
  # name), by its components.
  hasStorePathPrefix = path:
    let
      split = p: if p == dirOf p then [ ] else split (dirOf p) ++ [ (baseNameOf p) ];
      parts = split path;
      store = filter (c: c != "") (splitString "/" b.storeDir);
      n = length store;
    in
    assert lib.assertMsg (b.isPath path)
      "lib.path.hasStorePathPrefix: Argument is of type ${b.typeOf path}, but a path was expected";
    (take n parts == store && length parts > n && b.match ".{32}-.+" (elemAt parts n) != null)
    || (parts != [ ] && b.match "[0-9a-z]{52}" (head parts) != null);

  inherit isConvertibleWithToString;

  sourceTypes = mapAttrs (name: extra: { shortName = name; isSource = false; } // extra) {
    fromSource.isSource = true;
    binaryNativeCode = { };
    binaryBytecode = { };
    binaryFirmware = { };
    obfuscatedCode = { };
  };

  # Builtins of a newer Nix than the one atelier-gen evaluates as (2.8).
  newerBuiltin = name: internal.unknownWhy "builtins.${name}"
    "`builtins.${name}` is a builtin of a newer Nix than the one atelier-gen evaluates as (2.8)";

  # nixpkgs' module system's own helpers that work on definitions alone.
  # What needs its merging (`mergeDefinitions`, `mergeModules`, ...) is
  # atelier's module system here (src/modules), not these functions.
  modules =
    let
      kind = v: v._type or "";
      internals = name: internal.unknownWhy "lib.modules.${name}"
        "`${name}` is part of nixpkgs' module system, which atelier-gen implements in its own module system rather than in its built-in lib; pass nixpkgs with --override-input for nixpkgs' lib/modules.nix";
      defaultOverridePriority = 100;
      defaultOrderPriority = 1000;
      # A definition's pieces: `mkMerge` flattened, `mkIf` decided.
      dischargeProperties = def:
        if kind def == "merge" then concatMap dischargeProperties def.contents
        else if kind def == "if" then
          (if isBool def.condition then (if def.condition then dischargeProperties def.content else [ ])
           else throw "‘mkIf’ called with a non-Boolean condition")
        else [ def ];
      # A definition of a set as definitions of its attributes, `mkIf` and
      # `mkOverride` moved onto each.
      pushDownProperties = cfg:
        if kind cfg == "merge" then concatMap pushDownProperties cfg.contents
        else if kind cfg == "if" then map (mapAttrs (_: v: lib.mkIf cfg.condition v)) (pushDownProperties cfg.content)
        else if kind cfg == "override" then map (mapAttrs (_: v: lib.mkOverride cfg.priority v)) (pushDownProperties cfg.content)
        else [ cfg ];
      # The definitions of the highest priority (lowest number), unwrapped.
      filterOverrides' = defs:
        let
          prio = d: if kind d.value == "override" then d.value.priority else defaultOverridePriority;
          highestPrio = b.foldl' (m: d: lib.min (prio d) m) 9999 defs;
        in
        {
          inherit highestPrio;
          values = concatMap (d:
            if prio d != highestPrio then [ ]
            else [ (if kind d.value == "override" then d // { value = d.value.content; } else d) ]) defs;
        };
      mkAliasIfDef = option: lib.mkIf (isOption option && option.isDefined);
      mkAliasAndWrapDefinitions = wrap: option: mkAliasIfDef option (wrap (lib.mkMerge option.definitions));
      applyModuleArgs = key: f: args@{ config, ... }:
        f (args // mapAttrs (name: _:
          b.addErrorContext "while evaluating the module argument `${name}' in \"${key}\":"
            (args.${name} or config._module.args.${name}))
          (functionArgs f));
    in
    {
      inherit defaultOverridePriority defaultOrderPriority dischargeProperties pushDownProperties filterOverrides'
        mkAliasIfDef mkAliasAndWrapDefinitions;
      filterOverrides = defs: (filterOverrides' defs).values;
      # Definitions sorted by their `mkOrder` priority (stable), unwrapped.
      sortProperties = defs:
        let
          strip = d: if kind d.value == "order" then d // { value = d.value.content; inherit (d.value) priority; } else d;
        in
        sort (x: y: (x.priority or defaultOrderPriority) < (y.priority or defaultOrderPriority)) (map strip defs);
      mkAliasDefinitions = mkAliasAndWrapDefinitions id;
      mkAliasAndWrapDefsWithPriority = wrap: option:
        mkAliasIfDef option (wrap (lib.mkMerge
          (map (lib.mkOverride (option.highestPrio or defaultOverridePriority)) option.definitions)));
      applyModuleArgsIfFunction = key: f: args@{ config, ... }: if isFunction f then applyModuleArgs key f args else f;
      # A module in its long form (`_file`, `key`, `imports`, `options`,
      # `config`, ...), as the module system reads each.
      unifyModuleSyntax = file: key: m:
        let
          addMeta = c: if m ? meta then lib.mkMerge [ c { meta = m.meta; } ] else c;
          addFreeformType = c: if m ? freeformType then lib.mkMerge [ c { _module.freeformType = m.freeformType; } ] else c;
          common = {
            _file = toString m._file or file;
            _class = m._class or null;
            key = toString m.key or key;
            disabledModules = m.disabledModules or [ ];
          };
          bad = removeAttrs m [ "_class" "_file" "key" "disabledModules" "imports" "options" "config" "meta" "freeformType" ];
        in
        if m ? config || m ? options then
          (if bad != { } then
            throw "Module `${key}' has an unsupported attribute `${head (attrNames bad)}'. This is caused by introducing a top-level `config' or `options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${toString (attrNames bad)}) into the explicit `config' attribute."
          else common // {
            imports = m.imports or [ ];
            options = m.options or { };
            config = addFreeformType (addMeta (m.config or { }));
          })
        else if !isAttrs m then throw "module ${file} (${key}) does not look like a module."
        else common // {
          imports = m.require or [ ] ++ m.imports or [ ];
          options = { };
          config = addFreeformType (removeAttrs m [ "_class" "_file" "key" "disabledModules" "require" "imports" "freeformType" ]);
        };
      # An option declaration as the module system completes it: its type
      # (`types.unspecified` when none), a submodule's with its modules.
      fixupOptionType = loc: opt:
        if opt.type.getSubModules or null == null then opt // { type = opt.type or lib.types.unspecified; }
        else opt // { type = opt.type.substSubModules opt.options; options = [ ]; };
    }
    // genAttrs [ "collectModules" "evalOptionValue" "fixMergeModules" "mergeAttrDefinitionsWithPrio"
      "mergeDefinitions" "mergeModules" "mergeModules'" "mergeOptionDecls" ] internals;

  # The licenses of a table that have an SPDX id, by that id.
  bySpdxId = licenses: mapAttrs' (_: l: nameValuePair l.spdxId l) (filterAttrs (_: l: l ? spdxId) licenses);
}
