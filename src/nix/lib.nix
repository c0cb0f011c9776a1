# nixpkgs' `lib` as atelier's own evaluator runs it, written in Nix: every
# name nixpkgs' lib has, the parts few flakes use kept in lib-more.nix (and
# the license table in licenses.nix), read only when used. Definitions
# follow nixpkgs' documented behaviour so that results agree with the real
# `lib` (tests/nix_lib_builtin.rs and tests/nix_lib_conformance.rs check
# that). `types` is opaque to the module system (it reads each type by the
# unknown it is), with what documentation reads of each; its names are
# nixpkgs'. `internal` holds the few helpers written in Rust (see
# builtins.rs).
internal:
let
  b = builtins;
  # `_: v`, defined first so that where it shows (a nixosSystem marker's
  # `moduleLib`, printed by `atelier-gen eval`) its location stays put.
  keep = v: _: v;
  inherit (b)
    attrNames attrValues concatLists concatMap concatStringsSep elem filter
    foldl' genList hasAttr head isAttrs isList length listToAttrs map mapAttrs
    stringLength substring tail;

  id = x: x;
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
  # As nixpkgs' `listToAttrs (concatMap … (attrNames set))`; a name whose
  # predicate only Nix knows leaves the others known (builtins.rs).
  filterAttrs = internal.filterAttrs;
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

  # More of nixpkgs' lib: the pure functions NixOS modules and flakes use
  # (checked against nixpkgs' own suite by tests/nix_lib_conformance.rs).
  mergeAttrs = x: y: x // y;
  and = x: y: x && y;
  xor = x: y: (!x) != (!y);
  bitAnd = b.bitAnd;
  bitOr = b.bitOr;
  bitXor = b.bitXor;
  min = x: y: if x < y then x else y;
  max = x: y: if x > y then x else y;
  mod = base: int: base - (int * (b.div base int));
  toFunction = v: if b.isFunction v then v else k: v;
  toBaseDigits = base: i:
    let
      go = i:
        if i < base then [ i ]
        else let r = i - ((i / base) * base); q = (i - r) / base; in go q ++ [ r ];
    in
    assert (b.isInt base); assert (b.isInt i); assert (base >= 2); assert (i >= 0);
    go i;
  toHexString =
    let
      hexDigits = { "10" = "A"; "11" = "B"; "12" = "C"; "13" = "D"; "14" = "E"; "15" = "F"; };
      toHexDigit = d: if d < 10 then toString d else hexDigits.${toString d};
    in
    i: concatMapStrings toHexDigit (toBaseDigits 16 i);
  fromHexString = str:
    let m = b.match "(0x)?([0-7]?[0-9A-Fa-f]{1,15})" str; in
    if m != null then (b.fromTOML "v=0x${b.elemAt m 1}").v
    else (b.fromTOML "v=0x${removePrefix "0x" (toLower str)}").v;
  join = b.concatStringsSep;
  replaceString = from: to: b.replaceStrings [ from ] [ to ];
  hasInfix = infix: content: b.match ".*${escapeRegex infix}.*" "${content}" != null;
  stringAsChars = f: s: concatStrings (map f (stringToCharacters s));
  isStringLike = x: b.isString x || b.isPath x || x ? outPath || x ? __toString;
  isStorePath = x:
    if isStringLike x then
      let str = toString x; in
      substring 0 1 str == "/" && (dirOf str == b.storeDir || b.match "/[0-9a-z]{52}" str != null)
    else false;
  escapeXML = b.replaceStrings [ "\"" "'" "<" ">" "&" ] [ "&quot;" "&apos;" "&lt;" "&gt;" "&amp;" ];
  escapeNixString = s: escape [ "$" ] (b.toJSON s);
  escapeNixIdentifier = s:
    if b.match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null
      && !(elem s [ "assert" "else" "if" "in" "inherit" "let" "or" "rec" "then" "with" ])
    then s else escapeNixString s;
  isValidPosixName = name: b.match "[a-zA-Z_][a-zA-Z0-9_]*" name != null;
  toShellVar = name: value:
    throwIfNot (isValidPosixName name) "toShellVar: `${name}` cannot name a shell variable (use letters, digits and `_`, not starting with a digit)" (
      if isAttrs value && !isStringLike value then
        "declare -A ${name}=(${concatStringsSep " " (mapAttrsToList (n: v: "[${escapeShellArg n}]=${escapeShellArg v}") value)})"
      else if isList value then
        "declare -a ${name}=(${escapeShellArgs value})"
      else
        "${name}=${escapeShellArg value}");
  toShellVars = vars: concatStringsSep "\n" (mapAttrsToList toShellVar vars);
  fixedWidthString = width: filler: str:
    let strw = stringLength str; reqWidth = width - (stringLength filler); in
    assert assertMsg (strw <= width)
      "fixedWidthString: the string is ${toString strw} characters long, more than the width ${toString width} it should be padded to";
    if strw == width then str else filler + fixedWidthString reqWidth filler str;
  fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);
  toInt =
    let
      matchStripInput = b.match "[[:space:]]*(-?[[:digit:]]+)[[:space:]]*";
      matchLeadingZero = b.match "0[[:digit:]]+";
    in
    str:
    let
      strippedInput = matchStripInput str;
      isLeadingZero = matchLeadingZero (head strippedInput) == [ ];
      parsedInput = b.fromJSON (head strippedInput);
      generalError = "toInt: ${escapeNixString str} is not a decimal integer, so it cannot be turned into one.";
    in
    if strippedInput == null then throw generalError
    else if isLeadingZero then
      throw "toInt: ${escapeNixString str} starts with a 0, so it could be meant as octal or as a zero-padded decimal; toIntBase10 reads it as decimal."
    else if !b.isInt parsedInput then throw generalError
    else parsedInput;
  toIntBase10 =
    let
      matchStripInput = b.match "[[:space:]]*0*(-?[[:digit:]]+)[[:space:]]*";
      matchZero = b.match "0+";
    in
    str:
    let
      strippedInput = matchStripInput str;
      isZero = matchZero (head strippedInput) == [ ];
      parsedInput = b.fromJSON (head strippedInput);
      generalError = "toIntBase10: ${escapeNixString str} is not a decimal integer, so it cannot be turned into one.";
    in
    if strippedInput == null then throw generalError
    else if isZero then 0
    else if !b.isInt parsedInput then throw generalError
    else parsedInput;
  concatMapAttrsStringSep = sep: f: attrs: concatStringsSep sep (attrValues (mapAttrs f attrs));
  getOutput = output: pkg:
    if !pkg ? outputSpecified || !pkg.outputSpecified then pkg.${output} or pkg.out or pkg else pkg;
  makeSearchPathOutput = output: subDir: pkgs: makeSearchPath subDir (map (getOutput output) pkgs);
  makeLibraryPath = makeSearchPathOutput "lib" "lib";
  makeIncludePath = makeSearchPathOutput "dev" "include";
  replicate = n: elem: genList (_: elem) n;
  sortOn = f: list:
    let pairs = map (x: [ (f x) x ]) list; in
    map (x: b.elemAt x 1) (b.sort (a: c: head a < head c) pairs);
  allUnique = list: (length (unique list) == length list);
  uniqueStrings = list: attrNames (groupBy id list);
  zipListsWith = f: fst: snd: genList (n: f (b.elemAt fst n) (b.elemAt snd n)) (min (length fst) (length snd));
  zipLists = zipListsWith (fst: snd: { inherit fst snd; });
  findFirstIndex = pred: default: list:
    let
      resultIndex = foldl' (index: el:
        if index < 0 then (if pred el then -index - 1 else index - 1) else index) (-1) list;
    in
    if resultIndex < 0 then default else resultIndex;
  findSingle = pred: default: multiple: list:
    let found = filter pred list; len = length found; in
    if len == 0 then default else if len != 1 then multiple else head found;
  commonPrefix = list1: list2:
    let
      matchings = zipListsWith (fst: snd: fst != snd) list1 list2;
      commonPrefixLength = findFirstIndex id (length matchings) matchings;
    in
    take commonPrefixLength list1;
  sublist = start: count: list:
    let len = length list; in
    genList (n: b.elemAt list (n + start))
      (if start >= len then 0 else if start + count > len then len - start else count);
  dropEnd = n: xs: take (max 0 (length xs - n)) xs;
  takeEnd = n: xs: drop (max 0 (length xs - n)) xs;
  compareLists = cmp: a: c:
    if a == [ ] then (if c == [ ] then 0 else -1)
    else if c == [ ] then 1
    else let rel = cmp (head a) (head c); in if rel == 0 then compareLists cmp (tail a) (tail c) else rel;
  crossLists = f: foldl (fs: args: concatMap (f: map f args) fs) [ f ];
  cartesianProduct = attrsOfLists:
    foldl' (listOfAttrs: attrName:
      concatMap (attrs: map (listValue: attrs // { ${attrName} = listValue; }) attrsOfLists.${attrName}) listOfAttrs)
      [ { } ] (attrNames attrsOfLists);
  mapCartesianProduct = f: attrsOfLists: map f (cartesianProduct attrsOfLists);
  foldAttrs = op: nul: list_of_attrs:
    foldr (n: a: foldr (name: o: o // { ${name} = op n.${name} (a.${name} or nul); }) a (attrNames n)) { } list_of_attrs;
  matchAttrs = pattern: attrs:
    assert isAttrs pattern;
    b.all (attr: attrs ? ${attr} && (
      let lhs = pattern.${attr}; rhs = attrs.${attr}; in
      if isAttrs lhs then isAttrs rhs && matchAttrs lhs rhs else lhs == rhs)) (attrNames pattern);
  overrideExisting = old: new: mapAttrs (name: value: new.${name} or value) old;
  showAttrPath = path:
    if path == [ ] then "<root attribute path>" else concatMapStringsSep "." escapeNixIdentifier path;
  mapAttrsToListRecursiveCond = pred: f: set:
    let
      mapRecursive = path: value: if isAttrs value && pred path value then recurse path value else [ (f path value) ];
      recurse = path: set: concatMap (name: mapRecursive (path ++ [ name ]) set.${name}) (attrNames set);
    in
    recurse [ ] set;
  mapAttrsToListRecursive = mapAttrsToListRecursiveCond (_: _: true);
  collect = pred: attrs:
    if pred attrs then [ attrs ]
    else if isAttrs attrs then concatMap (collect pred) (attrValues attrs)
    else [ ];
  attrVals = nameList: set: map (x: set.${x}) nameList;
  getAttrs = names: attrs: genAttrs names (name: attrs.${name});
  isDerivation = value: value.type or null == "derivation";
  unionOfDisjoint = x: y:
    let
      intersection = b.intersectAttrs x y;
      collisions = concatStringsSep " " (attrNames intersection);
      mask = mapAttrs (name: value: throw "unionOfDisjoint: `${name}` is in both attribute sets (every name they share: ${collisions})") intersection;
    in
    (x // y) // mask;

  # Copied from nixpkgs' lib (same definitions, so that results agree).
  inherit (b) isString isPath typeOf match split parseDrvName unsafeDiscardStringContext replaceStrings removeAttrs;
  addContextFrom = src: target: substring 0 0 src + target;
  getBin = getOutput "bin";
  functionArgs =
    let
      functionArgs = builtins.functionArgs;
    in
    f: if f ? __functor then f.__functionArgs or (functionArgs (f.__functor f)) else functionArgs f;
  setFunctionArgs = f: args: {
    __functor = self: f;
    __functionArgs = args;
  };
  isFunction =
    let
      isFunction = builtins.isFunction;
    in
    f: isFunction f || (f ? __functor && isFunction (f.__functor f));
  getExe =
    x:
    getExe' x (
      x.meta.mainProgram or (
        lib.warn
          "getExe: Package ${
            lib.strings.escapeNixIdentifier x.meta.name or x.pname or x.name
          } does not have the meta.mainProgram attribute. We'll assume that the main program has the same name for now, but this behavior is deprecated, because it leads to surprising errors when the assumption does not hold. If the package has a main program, please set `meta.mainProgram` in its definition to make this warning go away. Otherwise, if the package does not have a main program, or if you don't control its definition, use getExe' to specify the name to the program, such as lib.getExe' foo \"bar\"."
          lib.getName
          x
      )
    );
  getExe' =
    drv: program:
    let
      who = "lib.meta.getExe'";
    in
    assert assertMsg (isDerivation drv)
      "${who}: expected a derivation as the first argument, but was given a ${typeOf drv}.";
    assert assertMsg (isString program)
      "${who}: expected the program's name (a string) as the second argument, but was given a ${typeOf program}.";
    assert assertMsg (match ".*/.*" program == null)
      "${who}: the program name \"${program}\" contains a \"/\"; give only the executable's file name, without any directory.";
    "${getBin drv}/bin/${program}";
  getName =
    let
      parse = drv: (parseDrvName drv).name;
    in
    x: if isString x then parse x else x.pname or (parse x.name);
  testAllTrue = expr: {
    inherit expr;
    expected = map (x: true) expr;
  };
  replaceElemAt =
    list: idx: newElem:
    assert lib.assertMsg (idx >= 0 && idx < length list)
      "'lists.replaceElemAt' called with index ${toString idx} on a list of size ${toString (length list)}";
    genList (i: if i == idx then newElem else elemAt list i) (length list);
  listsRemovePrefix =
    list1: list2:
    if listsHasPrefix list1 list2 then
      drop (length list1) list2
    else
      throw "lib.lists.removePrefix: First argument is not a list prefix of the second argument";
  listsHasPrefix = list1: list2: take (length list1) list2 == list1;
  stringsReplicate = n: s: concatStrings (lib.lists.replicate n s);
  # How many characters two strings share at their start (resp. end).
  commonPrefixLength =
    s: t:
    let
      bound = lib.min (stringLength s) (stringLength t);
      sameAt = n: substring n 1 s == substring n 1 t;
      walk = n: if n < bound && sameAt n then walk (n + 1) else n;
    in
    walk 0;
  commonSuffixLength =
    s: t:
    let
      bound = lib.min (stringLength s) (stringLength t);
      fromEnd = str: n: substring (stringLength str - n - 1) 1 str;
      walk = n: if n < bound && fromEnd s n == fromEnd t n then walk (n + 1) else n;
    in
    walk 0;
  # Edit distance by the usual table, whose cells are lazy and so computed
  # once each: cell r c is the distance between the first r characters of
  # `s` and the first c characters of `t`.
  levenshtein =
    s: t:
    let
      rows = stringLength s;
      cols = stringLength t;
      table = genList (r: genList (c: cell r c) (cols + 1)) (rows + 1);
      at = r: c: elemAt (elemAt table r) c;
      least3 = x: y: z: lib.min x (lib.min y z);
      cell =
        r: c:
        if r == 0 then
          c
        else if c == 0 then
          r
        else
          let
            swap = if substring (r - 1) 1 s == substring (c - 1) 1 t then 0 else 1;
          in
          least3 (at (r - 1) (c - 1) + swap) (at (r - 1) c + 1) (at r (c - 1) + 1);
    in
    at rows cols;
  # `levenshteinAtMost k a b`: whether the edit distance is at most k. The
  # shared start and end are cut off first; for k of 1 and 2 what is left
  # is judged directly, above that by `levenshtein`.
  levenshteinAtMost =
    let
      # `long` is at least as long as `short`.
      closeByOne = long: short: stringLength long <= 1 && stringLength short <= 1;
      closeByTwo =
        long: short:
        let
          n = stringLength long;
          m = stringLength short;
          middle = str: len: substring 1 (len - 2) str;
          butLast = str: len: substring 0 (len - 1) str;
          butFirst = str: len: substring 1 (len - 1) str;
          longMiddle = middle long n;
        in
        if n - m == 2 then
          longMiddle == short
        else if n - m == 1 then
          longMiddle == butLast short m || longMiddle == butFirst short m
        else
          longMiddle == middle short m
          || butLast long n == butFirst short m
          || butFirst long n == butLast short m;
    in
    k:
    if k <= 0 then
      a: b: a == b
    else
      s: t:
      let
        flipped = stringLength s < stringLength t;
        long = if flipped then t else s;
        short = if flipped then s else t;
        n = stringLength long;
        m = stringLength short;
        front = commonPrefixLength long short;
        back = commonSuffixLength long short;
        core = str: len: substring front (len - front - back) str;
        longCore = core long n;
        shortCore = core short m;
      in
      if n - m > k then
        false
      else if k == 1 then
        closeByOne longCore shortCore
      else if k == 2 then
        closeByTwo longCore shortCore
      else
        levenshtein longCore shortCore <= k;
  # Cuts `str` before every character `c` for which `predicate previous c`
  # holds (`previous` is "" at the start); with `keepSplit` that character
  # begins the next part, otherwise it is dropped.
  splitStringBy =
    predicate: keepSplit: str:
    let
      step =
        state: c:
        if predicate state.previous c then
          {
            parts = state.parts ++ [ state.current ];
            current = if keepSplit then c else "";
            previous = c;
          }
        else
          {
            inherit (state) parts;
            current = state.current + c;
            previous = c;
          };
      final = b.foldl' step {
        parts = [ ];
        current = "";
        previous = "";
      } (stringToCharacters str);
    in
    map (addContextFrom str) (final.parts ++ [ final.current ]);
  # Updates are grouped by the next attribute of their path, level by level;
  # the updates whose path ends at a level run in order, over what the
  # deeper updates made of that level.
  updateManyAttrsByPath =
    let
      atLevel =
        depth: present: old: updates:
        let
          sorted = partition (u: length u.path == depth) updates;
          endingHere = sorted.right;
          goingDeeper = sorted.wrong;
          byChild = groupBy (u: elemAt u.path depth) goingDeeper;
          blockedAt = (head goingDeeper).path;
          missingAt = (head endingHere).path;
          start =
            if goingDeeper == [ ] then
              (
                if present then
                  old
                else
                  throw "updateManyAttrsByPath: the first update of '${showAttrPath missingAt}' reads the value already there, but the given value has nothing at that path."
              )
            else if !present then
              mapAttrs (_: atLevel (depth + 1) false null) byChild
            else if isAttrs old then
              old // mapAttrs (name: atLevel (depth + 1) (old ? ${name}) old.${name}) byChild
            else
              throw "updateManyAttrsByPath: cannot update '${showAttrPath blockedAt}': in the given value, '${showAttrPath (take depth blockedAt)}' is not an attribute set, so nothing inside it can be updated.";
        in
        foldl (acc: u: u.update acc) start endingHere;
    in
    updates: value: atLevel 0 true value updates;
  longestValidPathPrefix =
    attrPath: v:
    let
      lenAttrPath = length attrPath;
      getPrefixForSetAtIndex =
        remainingSet:
        remainingPathIndex:

        if remainingPathIndex == lenAttrPath then
          attrPath
        else
          let
            attr = elemAt attrPath remainingPathIndex;
          in
          if remainingSet ? ${attr} then
            getPrefixForSetAtIndex remainingSet.${attr} # advance from the set to the attribute value
              (remainingPathIndex + 1) # advance the path
          else
            take remainingPathIndex attrPath;
    in
    getPrefixForSetAtIndex v 0;
  toSentenceCase =
    str:
    if !isString str then
      throw "toSentenceCase: expected a string, but was given a ${typeOf str}"
    else
      addContextFrom str (toUpper (substring 0 1 str) + toLower (substring 1 (stringLength str) str));
  # Words are cut at "-", "_" and " " (which are dropped) and before an
  # upper-case letter that follows a lower-case one; the first word is put
  # in lower case, every other one in sentence case.
  toCamelCase =
    str:
    if !isString str then
      throw "toCamelCase: expected a string, but was given a ${typeOf str}"
    else
      let
        atSeparator = _: c: c == "-" || c == "_" || c == " ";
        atHump = before: c: match "[a-z]" before != null && match "[A-Z]" c != null;
        words = concatMap (splitStringBy atHump true) (splitStringBy atSeparator false str);
        recased = imap0 (i: word: if i == 0 then toLower word else toSentenceCase word) words;
      in
      concatMapStrings (addContextFrom str) recased;
  sanitizeDerivationName =
    let
      okRegex = match "[[:alnum:]+_?=-][[:alnum:]+._?=-]*";
    in
    string:
    if stringLength string <= 207 && okRegex string != null then
      unsafeDiscardStringContext string
    else
      lib.pipe string [
        unsafeDiscardStringContext
        (x: elemAt (match "\\.*(.*)" x) 0)
        (split "[^[:alnum:]+._?=-]+")
        (concatMapStrings (s: if lib.isList s then "-" else s))
        (x: substring (lib.max (stringLength x - 207) 0) (-1) x)
        (x: if stringLength x == 0 then "unknown" else x)
      ];
  trimWith =
    {
      start ? false,
      end ? false,
    }:
    let
      blank = " \t\r\n";
      pattern =
        (if start then "[${blank}]*" else "")
        + (if end then "(.*[^${blank}])[${blank}]*" else "(.*)");
    in
    s:
    let
      found = match pattern s;
    in
    if found == null then "" else head found;
  # Collapses every run of "/" into one.
  normalizePath =
    s:
    warnIf (isPath s)
      "lib.strings.normalizePath: was given the path value ${toString s}, but it only takes strings. Nix already normalises path values, so there is no need to call it on them; it would also copy the path to the Nix store and return the store path (as \"\${path}\" does), which may not be intended. Passing a path is deprecated and will become an error."
      (
        let
          chars = stringToCharacters s;
          repeatedSlash = i: i > 0 && elemAt chars i == "/" && elemAt chars (i - 1) == "/";
        in
        concatStrings (genList (i: if repeatedSlash i then "" else elemAt chars i) (length chars))
      );
  # An option's path as written in Nix: each name quoted where needed,
  # except the placeholders `*` and `<name>`.
  showOption =
    parts:
    let
      isPlaceholder = part: part == "*" || match "<.*>" part != null;
      shown = part: if isPlaceholder part then part else lib.strings.escapeNixIdentifier part;
    in
    concatStringsSep "." (map shown parts);
  toExtension =
    f:
    if lib.isFunction f then
      final: prev:
      let
        fPrev = f prev;
      in
      if lib.isFunction fPrev then
        f final prev
      else
        fPrev
    else
      final: prev: f;

  floatToString = float:
    let result = toString float; precise = float == b.fromJSON result; in
    warnIf (!precise) "Imprecise conversion from float to string ${result}" result;
  # lib.generators: nixpkgs' renderers of Nix values as configuration text
  # (key=value, INI, git config, dconf, Nix itself, plist, Dhall, Lua),
  # written for atelier to give the same text for the same value. Every
  # renderer walks the value by its type; the order of the type tests is
  # part of the behaviour (a derivation is an attribute set, an attribute
  # set with `__functor` is a function to `lib.isFunction`).
  generators =
    let
      inherit (lib)
        isInt isFloat isBool isString isPath isList isAttrs isDerivation
        mapAttrsToList;
      # One line per attribute (or per list item), in attribute-name order.
      linesOf = render: attrs: concatStrings (concatLists (mapAttrsToList render attrs));
      bracketEscaped = lib.escape [ "[" "]" ];
      # `[name]`, then its keys; sections are separated by an empty line.
      iniText = sectionName: keyValues: sections:
        concatStringsSep "\n" (mapAttrsToList
          (name: values: "[" + sectionName name + "]\n" + keyValues values)
          sections);
      # Splits a string at its newlines (the separators dropped).
      linesOfString = s: filter isString (b.split "\n" s);

      g = {
        mkValueStringDefault = { }: v:
          let
            refuse = what: shown:
              abort "generators.mkValueStringDefault: cannot write ${what} as a plain value: ${g.toPretty { } shown}";
          in
          if isInt v || isDerivation v then toString v
          else if isString v then v
          else if v == true then "true"
          else if v == false then "false"
          else if v == null then "null"
          else if isList v then refuse "a list" v
          else if isAttrs v then refuse "an attribute set" v
          else if lib.isFunction v then refuse "a function" v
          else if isFloat v then lib.strings.floatToString v
          else refuse "this value" (toString v);

        mkKeyValueDefault = { mkValueString ? g.mkValueStringDefault { } }: sep: k: v:
          "${lib.escape [ sep ] k}${sep}${mkValueString v}";

        toKeyValue =
          { mkKeyValue ? g.mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false, indent ? "" }:
          linesOf (k: v:
            map (item: indent + mkKeyValue k item + "\n")
              (if listsAsDuplicateKeys && isList v then v else [ v ]));

        toINI =
          { mkSectionName ? bracketEscaped, mkKeyValue ? g.mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false }:
          iniText mkSectionName (g.toKeyValue { inherit mkKeyValue listsAsDuplicateKeys; });

        toINIWithGlobalSection =
          { mkSectionName ? bracketEscaped, mkKeyValue ? g.mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false }:
          { globalSection, sections ? { } }:
          let keyValues = g.toKeyValue { inherit mkKeyValue listsAsDuplicateKeys; }; in
          (if globalSection == { } then "" else keyValues globalSection + "\n")
          + iniText mkSectionName keyValues sections;

        # git config: `a.b.c` sections become `[a "b.c"]`, strings are
        # quoted, a list is the key repeated, and nested attribute sets
        # under a section become dotted sections.
        toGitINI = config:
          let
            sectionHeader = name:
              let parts = lib.splitString "." name; in
              if lib.hasInfix "\"" name || length parts == 1 then name
              else head parts + " \"" + concatStringsSep "." (tail parts) + "\"";
            quote = b.replaceStrings [ "\n" "\t" "\"" "\\" ] [ "\\n" "\\t" "\\\"" "\\\\" ];
            gitValue = v: g.mkValueStringDefault { } (if isString v then "\"" + quote v + "\"" else v);
            pair = g.mkKeyValueDefault { mkValueString = gitValue; } " = ";
            gitLines = k: v:
              concatStringsSep "\n" (map (item: "\t" + pair k item) (if isList v then v else [ v ]));
            isPlainSet = v: isAttrs v && !isDerivation v;
            hasSubsections = name:
              let v = config.${name}; in isAttrs v && lib.any isPlainSet (attrValues v);
            nestedNames = filter hasSubsections (attrNames config);
            # Each leaf below a nested section, as the section-and-key
            # attribute set it becomes (its path from the top, all but the
            # last name joined with dots, then the last name).
            leaves = path: v:
              if isPlainSet v then
                concatMap (n: leaves (path ++ [ n ]) v.${n}) (attrNames v)
              else if length path == 1 then
                [ { ${head path} = v; } ]
              else
                [ { ${concatStringsSep "." (lib.init path)} = { ${lib.last path} = v; }; } ];
            nested = concatMap (n: leaves [ n ] config.${n}) nestedNames;
            flat = removeAttrs config nestedNames // lib.foldl lib.recursiveUpdate { } nested;
          in
          g.toINI { mkSectionName = sectionHeader; mkKeyValue = gitLines; } flat;

        mkDconfKeyValue = g.mkKeyValueDefault { mkValueString = v: toString (lib.gvariant.mkValue v); } "=";

        toDconfINI = g.toINI { mkKeyValue = g.mkDconfKeyValue; };

        # Copies a value down to `depthLimit` levels; below, each value is
        # "<unevaluated>" or an error. The attributes that make a set a
        # function, a string or pretty-printable are kept as they are.
        withRecursion = { depthLimit, throwOnDepthLimit ? true }:
          assert isInt depthLimit;
          let
            keptAsIs = [ "__functor" "__functionArgs" "__toString" "__pretty" ];
            at = depth: x:
              if depth <= depthLimit then x
              else if throwOnDepthLimit then
                throw "generators.withRecursion: the value is nested deeper than depthLimit = ${toString depthLimit}"
              else "<unevaluated>";
            below = depth: x: walk (depth + 1) (at (depth + 1) x);
            walk = depth: v:
              if isAttrs v then
                mapAttrs (name: x: if elem name keptAsIs then x else below depth x) v
              else if isList v then
                map (below depth) v
              else
                at (depth + 1) v;
          in
          walk 0;

        toPretty = { allowPrettyValues ? false, multiline ? true, indent ? "" }:
          let
            show = ind: v:
              let
                open = if multiline then "\n" + ind + "  " else " ";
                close = if multiline then "\n" + ind else " ";
                inner = show (ind + "  ");
                showString =
                  let
                    lines = linesOfString v;
                    quoted = "\"" + concatStringsSep "\\n" (map (lib.escape [ "\\" "\"" "\${" ]) lines) + "\"";
                    indented =
                      let
                        ls = map (b.replaceStrings [ "\${" "''" ] [ "''\${" "'''" ]) lines;
                        final = lib.last ls;
                      in
                      "''" + open + concatStringsSep open (lib.init ls)
                      + (if final == "" then close else open + final) + "''";
                  in
                  if multiline && length lines > 1 then indented else quoted;
                showFunction =
                  let args = lib.functionArgs v; in
                  if args == { } then "<function>"
                  else "<function, args: {"
                    + concatStringsSep ", " (mapAttrsToList (n: optional: if optional then n + "?" else n) args)
                    + "}>";
                showSet =
                  if allowPrettyValues && v ? __pretty && v ? val then v.__pretty v.val
                  else if v == { } then "{ }"
                  else if v ? type && v.type == "derivation" then "<derivation ${v.name or "???"}>"
                  else "{" + open
                    + concatStringsSep open (mapAttrsToList (n: x:
                        "${lib.strings.escapeNixIdentifier n} = ${
                          b.addErrorContext "while evaluating an attribute `${n}`" (inner x)};") v)
                    + close + "}";
              in
              if isInt v then toString v
              else if isFloat v then b.toJSON v
              else if isString v then showString
              else if v == true then "true"
              else if v == false then "false"
              else if v == null then "null"
              else if isPath v then toString v
              else if isList v then
                (if v == [ ] then "[ ]" else "[" + open + concatStringsSep open (map inner v) + close + "]")
              else if lib.isFunction v then showFunction
              else if isAttrs v then showSet
              else abort "generators.toPretty: a value of type ${b.typeOf v} has no rendering";
          in
          show indent;

        toPlist = { escape ? false }: v:
          let
            text = if escape then lib.escapeXML else x: x;
            tag = ind: t: body: ind + "<${t}>" + body + "</${t}>";
            block = ind: t: body: concatStringsSep "\n" [ (ind + "<${t}>") body (ind + "</${t}>") ];
            node = ind: x:
              let deeper = "\t" + ind; in
              if x == null then ""
              else if isBool x then ind + (if x then "<true/>" else "<false/>")
              else if isInt x then tag ind "integer" (toString x)
              else if isString x then tag ind "string" (text x)
              else if isList x then block ind "array" (concatStringsSep "\n" (map (node deeper) x))
              else if isAttrs x then
                block ind "dict" (concatStringsSep "\n" (concatLists (mapAttrsToList (n: value:
                  if n == "_module" || value == null then [ ]
                  else [ (tag deeper "key" (text n)) (node deeper value) ]) x)))
              else if isPath x then tag ind "string" (text (toString x))
              else if isFloat x then tag ind "real" (toString x)
              else abort "generators.toPlist: a value of type ${b.typeOf x} has no plist form";
            document = ''
              <?xml version="1.0" encoding="UTF-8"?>
              <!DOCTYPE plist PUBLIC "-//Apple Computer//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
              <plist version="1.0">
            '' + node "" v + "\n</plist>";
          in
          lib.warnIf (!escape && lib.oldestSupportedReleaseIsAtLeast 2505)
            "lib.generators.toPlist: call it with `escape = true`; without it is deprecated"
            document;

        toDhall = { }@args: v:
          let items = concatStringsSep ", "; in
          if isAttrs v then "{ " + items (mapAttrsToList (k: x: "${k} = ${g.toDhall args x}") v) + " }"
          else if isList v then "[ " + items (map (g.toDhall args) v) + " ]"
          else if isInt v then (if v < 0 then "" else "+") + toString v
          else if isBool v then (if v then "True" else "False")
          else if lib.isFunction v then abort "generators.toDhall: a function has no Dhall form"
          else if v == null then abort "generators.toDhall: null has no Dhall form"
          else b.toJSON v;

        toLua = { multiline ? true, indent ? "", asBindings ? false }@args: v:
          let
            step = indent + "  ";
            open = if multiline then "\n" + step else " ";
            close = if multiline then "\n" + indent else " ";
            sub = g.toLua {
              inherit multiline;
              indent = if asBindings then indent else step;
              asBindings = false;
            };
            table = items: "{" + open + concatStringsSep ("," + open) items + close + "}";
            isName = n: b.match "[[:alpha:]_][[:alnum:]_]*(\\.[[:alpha:]_][[:alnum:]_]*)*" n != null;
            bindings =
              let notNames = filter (n: !isName n) (attrNames v); in
              lib.assertMsg (notNames == [ ]) "generators.toLua: these names are not Lua variable names: ${g.toPretty { } notNames}";
          in
          if asBindings then
            assert bindings;
            concatStrings (mapAttrsToList (k: x: "${indent}${k} = ${sub x}\n") v)
          else if v == null then "nil"
          else if isInt v || isFloat v || isString v || isBool v then b.toJSON v
          else if isPath v || isDerivation v then b.toJSON "${v}"
          else if isList v then (if v == [ ] then "{}" else table (map (x: "${sub x}") v))
          else if isAttrs v then
            (if (v._type or null) == "lua-inline" then "(${v.expr})"
             else if v == { } then "{}"
             else table (mapAttrsToList (k: x: "[${b.toJSON k}] = ${sub x}") v))
          else abort "generators.toLua: a value of type ${b.typeOf v} has no Lua form";

        mkLuaInline = expr: { _type = "lua-inline"; inherit expr; };

        toJSON = { }: b.toJSON;
        toYAML = { }: b.toJSON;
      };
    in
    g;

  showMaybeAttrPosPre = prefix: attrName: v:
    let pos = b.unsafeGetAttrPos attrName v; in
    if pos == null then "" else "${prefix}${pos.file}:${toString pos.line}:${toString pos.column}";
  showMaybePackagePosPre = prefix: pkg:
    if pkg ? meta.position && isString pkg.meta.position then "${prefix}${pkg.meta.position}" else "";
  mkDefinition = args@{ file, value, ... }: args // { _type = "definition"; };
  # Applies `f` to the value inside the mkMerge/mkIf/mkOverride/mkOrder/
  # mkDefinition wrappers, keeping the wrappers.
  mapDefinitionValue =
    f: def:
    let
      inside = mapDefinitionValue f;
      kind = if def ? _type then def._type else null;
    in
    if kind == "merge" then
      def // { contents = map inside def.contents; }
    else if kind == "if" || kind == "override" || kind == "order" then
      def // { content = inside def.content; }
    else if kind == "definition" then
      def // { value = inside def.value; }
    else
      f def;
  # The derivation's attributes that `lazyDerivation` gives without
  # evaluating it: its outputs are taken on trust, and checked (with the
  # derivation's type) only when an attribute read from it is used.
  lazyDerivation =
    args@{ derivation, meta ? null, passthru ? { }, outputs ? [ "out" ] }:
    let
      show = lib.generators.toPretty { multiline = false; };
      givenAt = showMaybeAttrPosPre " (given at " "outputs" args;
      definedAt = showMaybePackagePosPre " (defined at " derivation;
      closeIf = s: if s == "" then "" else "${s})";
      mismatch = ''
        lib.lazyDerivation: `outputs` says ${show outputs}${closeIf givenAt}, but the derivation ${derivation.name or "<unknown>"} has the outputs ${show derivation.outputs}${closeIf definedAt}.
        Give `outputs` the derivation's real outputs, in the same order. When they cannot be known without evaluating the derivation, keep the derivation in a variable and pass its `outputs` (the attributes are still trimmed, but nothing stays lazy), or use the derivation itself instead of lib.lazyDerivation.
      '';
      # The derivation, once it is known to be one with those outputs.
      real =
        if (derivation.type or null) != "derivation" then
          throw "lib.lazyDerivation: `derivation` is not a derivation (its `type` is not \"derivation\")."
        else if derivation.outputs != outputs then
          throw mismatch
        else
          derivation;
      fixed = {
        type = "derivation";
        inherit outputs;
        inherit (real) outPath outputName drvPath name system;
        meta = if args ? meta then meta else real.meta;
      };
      perOutput = genAttrs outputs (o: real.${o});
    in
    fixed // perOutput // passthru;
  optionalDrvAttr = cond: value: if cond then value else null;
  resolveDefaultNix =
    v:
    if pathIsDirectory v then
      v + "/default.nix"
    else if lib.isString v && hasSuffix "/" v then
      v + "default.nix"
    else
      v;

  # lib.cli: an attribute set of options as command-line words. The older
  # `toGNUCommandLine` pair takes hooks for each kind of value; the newer
  # `toCommandLine` asks a function, for each option name, how to spell it.
  cli =
    let
      asArg = lib.generators.mkValueStringDefault { };
      superseded = name: instead:
        lib.warnIf (lib.oldestSupportedReleaseIsAtLeast 2511)
          "lib.cli.${name} is superseded and will go; use ${instead}.";
      # One option's words from its spelling (`option` the flag, `sep` what
      # joins flag and argument or null for two words, `explicitBool`
      # whether booleans are written as arguments, `formatArg` how).
      wordsFor =
        { option, sep, explicitBool, formatArg ? asArg }:
        value:
        if value == null then
          [ ]
        else if !explicitBool && b.isBool value then
          optional value option
        else if sep == null then
          [ option (formatArg value) ]
        else
          [ (option + sep + formatArg value) ];
      toCommandLine =
        spelling: attrs:
        concatLists (
          lib.mapAttrsToList (
            name: value:
            if name == "" then
              abort "lib.cli.toCommandLine: an option has the empty name; give every option a name."
            else
              concatMap (wordsFor (spelling name)) (if b.isList value then value else [ value ])
          ) attrs
        );
      toCommandLineGNU =
        { isLong ? name: stringLength name > 1, explicitBool ? false, formatArg ? asArg }:
        toCommandLine (
          name:
          let long = isLong name; in
          {
            option = (if long then "--" else "-") + name;
            sep = if long then "=" else "";
            inherit explicitBool formatArg;
          }
        );
      toGNUCommandLine =
        {
          mkOptionName ? name: if stringLength name == 1 then "-${name}" else "--${name}",
          mkBool ? name: flag: optional flag (mkOptionName name),
          mkList ? name: values: concatMap (mkOption name) values,
          mkOption ? name: value:
            if value == null then
              [ ]
            else
              let flag = mkOptionName name; arg = asArg value; in
              if optionValueSeparator == null then [ flag arg ] else [ "${flag}${optionValueSeparator}${arg}" ],
          optionValueSeparator ? null,
        }:
        options:
        concatLists (
          lib.mapAttrsToList (
            name: value:
            if b.isBool value then mkBool name value
            else if b.isList value then mkList name value
            else mkOption name value
          ) options
        );
    in
    {
      inherit toCommandLine toCommandLineGNU;
      toCommandLineShell = spelling: attrs: lib.escapeShellArgs (toCommandLine spelling attrs);
      toCommandLineShellGNU = settings: attrs: lib.escapeShellArgs (toCommandLineGNU settings attrs);
      toGNUCommandLine = superseded "toGNUCommandLine" "lib.cli.toCommandLine or lib.cli.toCommandLineShellGNU" toGNUCommandLine;
      toGNUCommandLineShell =
        superseded "toGNUCommandLineShell" "lib.cli.toCommandLineShell or lib.cli.toCommandLineShellGNU"
          (settings: attrs: lib.escapeShellArgs (toGNUCommandLine settings attrs));
    };

  concat = x: y: x ++ y;
  boolToYesNo = b: if b then "yes" else "no";
  warnIfNot = cond: msg: if cond then x: x else warn msg;
  checkListOfEnum =
    msg: valid: given:
    let
      unexpected = lib.subtractLists valid given;
    in
    lib.throwIfNot (unexpected == [ ])
      "${msg}: ${builtins.concatStringsSep ", " (map toString unexpected)} unexpected; valid ones: ${builtins.concatStringsSep ", " (map toString valid)}";
  compare =
    a: b:
    if a < b then
      -1
    else if a > b then
      1
    else
      0;
  # Elements satisfying `p` come first (ordered by `yes`), then the rest
  # (ordered by `no`).
  splitByAndCompare =
    p: yes: no: x: y:
    let
      xFirst = p x;
      yFirst = p y;
    in
    if xFirst then
      (if yFirst then yes x y else -1)
    else if yFirst then
      1
    else
      no x y;
  mirrorFunctionArgs =
    f:
    let
      fArgs = functionArgs f;
    in
    g: {
      __functor = self: g;
      __functionArgs = fArgs;
    };
  importTOML = path: b.fromTOML (b.readFile path);
  # nixpkgs' lib/ascii-table.nix: tab, newline, carriage return and the
  # printable characters, by their code.
  asciiTable =
    let
      hex = i: let d = "0123456789abcdef"; in substring (i / 16) 1 d + substring (i - (i / 16) * 16) 1 d;
    in
    listToAttrs (map (i: { name = b.fromJSON "\"\\u00${hex i}\""; value = i; }) ([ 9 10 13 ] ++ genList (i: i + 32) 95));
  charToInt = c: b.getAttr c asciiTable;
  escapeC =
    list:
    replaceStrings list (
      map (c: "\\x${fixedWidthString 2 "0" (toLower (lib.toHexString (charToInt c)))}") list
    );
  escapeURL =
    let
      unreserved = [
        "A"
        "B"
        "C"
        "D"
        "E"
        "F"
        "G"
        "H"
        "I"
        "J"
        "K"
        "L"
        "M"
        "N"
        "O"
        "P"
        "Q"
        "R"
        "S"
        "T"
        "U"
        "V"
        "W"
        "X"
        "Y"
        "Z"
        "a"
        "b"
        "c"
        "d"
        "e"
        "f"
        "g"
        "h"
        "i"
        "j"
        "k"
        "l"
        "m"
        "n"
        "o"
        "p"
        "q"
        "r"
        "s"
        "t"
        "u"
        "v"
        "w"
        "x"
        "y"
        "z"
        "0"
        "1"
        "2"
        "3"
        "4"
        "5"
        "6"
        "7"
        "8"
        "9"
        "-"
        "_"
        "."
        "~"
      ];
      toEscape = removeAttrs asciiTable unreserved;
    in
    replaceStrings (builtins.attrNames toEscape) (
      lib.mapAttrsToList (_: c: "%${fixedWidthString 2 "0" (lib.toHexString c)}") toEscape
    );
  # Fixed points and extensible sets, as lib.fixedPoints.
  fix = f: let x = f x; in x;
  fix' = f: let x = f x // { __unfix__ = f; }; in x;
  extends = overlay: f: (final: let prev = f final; in prev // overlay final prev);
  composeExtensions = f: g: final: prev:
    let fApplied = f final prev; prev' = prev // fApplied; in fApplied // g final prev';
  composeManyExtensions = foldr (x: y: composeExtensions x y) (final: prev: { });
  makeExtensible = makeExtensibleWithCustomName "extend";
  makeExtensibleWithCustomName = extenderName: rattrs:
    fix' (self: (rattrs self) // {
      ${extenderName} = f: makeExtensibleWithCustomName extenderName (extends f rattrs);
    });
  mergeAttrsList = list: foldl' (a: b': a // b') { } list;
  concatMapAttrs = f: v: foldl' (a: b': a // b') { } (attrValues (mapAttrs f v));
  mapAttrsRecursive = f: set: mapAttrsRecursiveCond (as: true) f set;
  mapAttrsRecursiveCond = cond: f: set:
    let
      recurse = path: mapAttrs (name: value:
        if isAttrs value && cond value then recurse (path ++ [ name ]) value
        else f (path ++ [ name ]) value);
    in
    recurse [ ] set;
  attrsToList = mapAttrsToList nameValuePair;
  foldlAttrs = f: init: set: foldl' (acc: name: f acc name set.${name}) init (attrNames set);
  zipAttrs = b.zipAttrsWith (name: values: values);
  zipAttrsWith = b.zipAttrsWith;
  hasAttrByPath = attrPath: e:
    let
      len = length attrPath;
      go = n: s: n == len || (let a = b.elemAt attrPath n; in isAttrs s && s ? ${a} && go (n + 1) s.${a});
    in
    go 0 e;
  filterAttrsRecursive = pred: set:
    listToAttrs (concatMap (name:
      let v = set.${name}; in
      if pred name v then [ (nameValuePair name (if isAttrs v then filterAttrsRecursive pred v else v)) ] else [ ])
      (attrNames set));
  genAttrs' = xs: f: listToAttrs (map f xs);
  recursiveUpdateAll = recursiveUpdate;
  pipe = builtins.foldl' (x: f: f x);
  mapNullable = f: a: if a == null then a else f a;
  defaultTo = default: maybeValue: if maybeValue != null then maybeValue else default;
  singleton = x: [ x ];
  forEach = xs: f: map f xs;
  imap0 = f: list: genList (n: f n (b.elemAt list n)) (length list);
  imap1 = f: list: genList (n: f (n + 1) (b.elemAt list n)) (length list);
  ifilter0 = ipred: input: map (idx: b.elemAt input idx) (filter (idx: ipred idx (b.elemAt input idx)) (range 0 (length input - 1)));
  reverseList = xs: let l = length xs; in genList (n: b.elemAt xs (l - n - 1)) l;
  subtractLists = e: filter (x: !(elem x e));
  intersectLists = e: filter (x: elem x e);
  remove = e: filter (x: x != e);
  findFirst = pred: default: list:
    let found = filter pred list; in if found == [ ] then default else head found;
  any = b.any;
  all = b.all;
  partition = b.partition;
  groupBy' = op: nul: pred: lst: foldl' (r: e: let key = pred e; in r // { ${key} = op (r.${key} or nul) e; }) { } lst;
  groupBy = pred: lst: groupBy' (acc: x: acc ++ [ x ]) [ ] pred lst;
  sort = b.sort;
  # As nixpkgs: numbers in the strings compare as numbers.
  naturalSort = lst:
    let
      compare = x: y: if x < y then -1 else if x > y then 1 else 0;
      vectorise = s: map (x: if isList x then b.fromJSON (head x) else x) (b.split "(0|[1-9][0-9]*)" s);
      prepared = map (x: [ (vectorise x) x ]) lst;
      less = x: y: (compareLists compare (head x) (head y)) < 0;
    in
    map (x: b.elemAt x 1) (b.sort less prepared);
  escape = list: b.replaceStrings list (map (c: "\\${c}") list);
  escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
  splitString = sep: s: filter b.isString (b.split (escapeRegex (toString sep)) (toString s));
  stringToCharacters = s: genList (p: substring p 1 s) (stringLength s);
  trim = s:
    let m = b.match "[[:space:]]*(.*[^[:space:]])[[:space:]]*" s; in if m == null then "" else head m;
  fileContents = file: removeSuffix "\n" (b.readFile file);
  nameFromURL = url: sep: let components = splitString "/" url; filename = last components; in head (splitString sep filename);
  versionAtLeast = v1: v2: b.compareVersions v1 v2 >= 0;
  versionOlder = v1: v2: b.compareVersions v2 v1 == 1;
  elemAt = b.elemAt;
  warn = msg: x: x;
  warnIf = cond: msg: x: x;
  info = msg: x: x;
  throwIf = cond: msg: if cond then throw msg else x: x;
  throwIfNot = cond: msg: if cond then x: x else throw msg;
  assertMsg = pred: msg: pred || throw msg;
  callPackageWith = autoArgs: fn: args:
    let f = if b.isFunction fn then fn else import fn; in
    makeOverridable f (b.intersectAttrs (b.functionArgs f) autoArgs // args);
  # `f` whose attribute-set (or function) results carry `override`: call `f`
  # again with some arguments changed (a set, or a function of the old ones).
  # A callable set keeps its other attributes and its own `override`.
  makeOverridable = f:
    let
      mirror = mirrorFunctionArgs f;
      call = args:
        let
          result = f args;
          override = mirror (changes: makeOverridable f (args // (if isFunction changes then changes args else changes)));
        in
        if isAttrs result then
          result // {
            inherit override;
            overrideDerivation = _: throw "lib.makeOverridable: overrideDerivation rebuilds a derivation, which atelier does not evaluate";
            ${if result ? overrideAttrs then "overrideAttrs" else null} =
              changes: makeOverridable (mirror (a: (f a).overrideAttrs changes)) args;
          }
        else if isFunction result then
          setFunctionArgs result (functionArgs result) // { inherit override; }
        else
          result;
    in
    if isAttrs f then
      f // mirror call // { ${if f ? override then "override" else null} = changes: makeOverridable (f.override changes); }
    else
      mirror call;
  # `callPackageWith` for a function returning several packages: each of them
  # can be overridden on its own.
  callPackagesWith = autoArgs: fn: args:
    let
      f = if isFunction fn then fn else import fn;
      given = b.intersectAttrs (functionArgs f) autoArgs // args;
      packages = f given;
    in
    if isDerivation packages then
      throw "function `callPackages` was called on a *single* derivation \"${packages.name or "<unknown-name>"}\"; did you mean to use `callPackage` instead?"
    else
      b.mapAttrs (name: _: makeOverridable (mirrorFunctionArgs f (more: (f more).${name})) given) packages;
  # A package scope: `callPackage` resolves arguments from the scope itself,
  # `newScope` layers more attributes on it, `overrideScope` extends it.
  makeScope = newScope: f:
    let
      scope = { callPackage = scope.newScope { }; } // f scope // {
        newScope = extra: newScope (scope // extra);
        overrideScope = g: makeScope newScope (extends g f);
        packages = f;
      };
    in
    scope;
  # Cross indexes: the six build/host/target platform pairings of a package set.
  crossIndexNames = [ "BuildBuild" "BuildHost" "BuildTarget" "HostHost" "HostTarget" "TargetTarget" ];
  lowerFirst = s: toLower (substring 0 1 s) + substring 1 (-1) s;
  renameCrossIndexFrom = prefix: x: listToAttrs (map (n: nameValuePair (lowerFirst n) x.${prefix + n}) crossIndexNames);
  renameCrossIndexTo = prefix: x: listToAttrs (map (n: nameValuePair (prefix + n) x.${lowerFirst n}) crossIndexNames);
  mapCrossIndex = f: { buildBuild, buildHost, buildTarget, hostHost, hostTarget, targetTarget }:
    b.mapAttrs (_: f) { inherit buildBuild buildHost buildTarget hostHost hostTarget targetTarget; };
  recurseIntoAttrs = attrs: attrs // { recurseForDerivations = true; };
  dontRecurseIntoAttrs = attrs: attrs // { recurseForDerivations = false; };
  # One attribute per `.nix` file (called) and per directory (recursed into);
  # a directory holding `package.nix` is that one package. With `newScope`,
  # every directory becomes a scope its packages can refer to.
  packagesFromDirectoryRecursive = { callPackage, newScope ? throw "lib.packagesFromDirectoryRecursive: the arguments have no `newScope`", directory }@args:
    let
      entries = args: concatMapAttrs
        (name: type:
          let path = args.directory + "/${name}"; in
          if type == "directory" then { ${name} = packagesFromDirectoryRecursive (args // { directory = path; }); }
          else if type == "regular" then
            (if hasSuffix ".nix" name then { ${removeSuffix ".nix" name} = args.callPackage path { }; } else { })
          else throw "lib.packagesFromDirectoryRecursive: ${toString path} is of type ${type}; only directories and regular files can be read")
        (b.readDir args.directory);
    in
    if b.pathExists (directory + "/package.nix") then callPackage (directory + "/package.nix") { }
    else if args ? newScope then
      recurseIntoAttrs (makeScope newScope (scope: entries (args // { inherit (scope) callPackage newScope; })))
    else entries args;
  # Sources are the paths themselves: nothing is copied to a store here.
  cleanSourceWith = { src, filter ? _: _: true, name ? null }: src;
  cleanSource = src: src;
  cleanSourceFilter = name: type: true;
  sourceByRegex = src: regexes: src;
  sourceFilesBySuffices = src: exts: src;
  setDefaultModuleLocation = file: m: { _file = file; imports = [ m ]; };
  # `lib.path`: paths as a root and components, subpaths as relative
  # strings without `..` (nixpkgs' lib/path, the functions flakes use).
  pathLib =
    let
      invalid = v:
        if !b.isString v then "The given value is of type ${b.typeOf v}, but a string was expected"
        else if v == "" then "The given string is empty"
        else if substring 0 1 v == "/" then "The given string \"${v}\" starts with a `/`, representing an absolute path"
        else if b.match "(.*/)?\\.\\.(/.*)?" v != null then "The given string \"${v}\" contains a `..` component, which is not allowed in subpaths"
        else null;
      isValid = v: invalid v == null;
      # "./a//./b/" -> [ "a" "b" ]
      split = v: b.filter (c: c != "" && c != ".") (splitString "/" v);
      join = cs: "./" + (if cs == [ ] then "." else concatStringsSep "/" cs);
      deconstruct = p:
        let go = cs: base: if base == dirOf base then { root = base; components = cs; } else go ([ (baseNameOf base) ] ++ cs) (dirOf base);
        in go [ ] p;
      needPath = fn: which: v: assertMsg (b.isPath v) "lib.path.${fn}: The ${which} argument is of type ${b.typeOf v}, but a path was expected";
      needSubpath = fn: v: assertMsg (isValid v) "lib.path.${fn}: Argument is not a valid subpath string:\n    ${invalid v}";
      sameRoot = fn: a: b2:
        assertMsg (a.root == b2.root) "lib.path.${fn}: Filesystem roots must be the same for both paths, but paths with different roots were given:\n    first argument: \"${toString a.root}\"\n    second argument: \"${toString b2.root}\"";
      prefixOf = a: b2: take (length a.components) b2.components == a.components;
    in
    {
      inherit (more) hasStorePathPrefix;
      append = p: sub:
        assert needPath "append" "first" p;
        assert assertMsg (isValid sub) "lib.path.append: Second argument is not a valid subpath string:\n    ${invalid sub}";
        p + ("/" + sub);
      hasPrefix = p1: assert needPath "hasPrefix" "first" p1; p2:
        assert needPath "hasPrefix" "second" p2;
        let a = deconstruct p1; c = deconstruct p2; in
        assert sameRoot "hasPrefix" a c; prefixOf a c;
      removePrefix = p1: assert needPath "removePrefix" "first" p1; p2:
        assert needPath "removePrefix" "second" p2;
        let a = deconstruct p1; c = deconstruct p2; in
        assert sameRoot "removePrefix" a c;
        if prefixOf a c then join (drop (length a.components) c.components)
        else throw "lib.path.removePrefix: The first path argument \"${toString p1}\" is not a component-wise prefix of the second path argument \"${toString p2}\".";
      splitRoot = p:
        assert needPath "splitRoot" "first" p;
        let d = deconstruct p; in { root = d.root; subpath = join d.components; };
      subpath = {
        inherit isValid;
        join = subs: assert b.all (s: needSubpath "subpath.join" s) subs; join (b.concatMap split subs);
        components = sub: assert needSubpath "subpath.components" sub; split sub;
        normalise = sub: assert needSubpath "subpath.normalise" sub; join (split sub);
      };
    };
  importApply = modulePath: staticArg: setDefaultModuleLocation modulePath (import modulePath staticArg);
  # Option helpers whose values only the NixOS module system reads.
  mkRemovedOptionModule = optionName: replacementInstructions: { };
  mkRenamedOptionModule = from: to: { };
  mkRenamedOptionModuleWith = args: { };
  mkMergedOptionModule = from: to: mergeFn: { };
  mkChangedOptionModule = from: to: changeFn: { };
  mkAliasOptionModule = from: to: { };
  mkAliasOptionModuleMD = from: to: { };
  doRename = { from, to, visible, warn, use, withPriority ? true, condition ? true }: { };
  mkDerivedConfig = opt: f: f opt;
  mkSinkUndeclaredOptions = attrs: mkOption ({ internal = true; visible = false; default = false; } // attrs);
  mkPackageOptionMD = mkPackageOption;
  literalMD = text: { _type = "literalMD"; inherit text; };
  mkImageMediaOverride = mkOverride 60;
  mkFixStrictness = id;

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
  # How an option's definitions merge (lib/options.nix's contracts).
  getValues = map (d: d.value);
  getFiles = map (d: d.file);
  mergeUniqueOption = { message, merge ? null }: loc: defs:
    if b.length defs == 1
    then (if merge == null then (b.head defs).value else merge loc defs)
    else throw "The option `${showOption loc}' is defined multiple times while it's expected to be unique.\n${message}";
  mergeOneOption = mergeUniqueOption { message = ""; };
  mergeEqualOption = loc: defs:
    if defs == [ ] then throw "The option `${showOption loc}' has no definitions."
    else
      let first = b.head defs; in
      if b.all (d: d.value == first.value) defs then first.value
      else throw "The option `${showOption loc}' has conflicting definition values.";
  mergeDefaultOption = loc: defs:
    let values = getValues defs; all = p: b.all p values; in
    if b.length values == 1 then b.head values
    else if all b.isFunction then x: mergeDefaultOption loc (map (d: d // { value = d.value x; }) defs)
    else if all b.isList then b.concatLists values
    else if all b.isAttrs then b.foldl' (acc: v: acc // v) { } values
    else if all b.isBool then b.any (v: v) values
    else if all b.isString then b.concatStringsSep "" values
    else if all b.isInt && all (v: v == b.head values) then b.head values
    else throw "Cannot merge definitions of `${showOption loc}'.";
  # A type of one's own: what nixpkgs' `mkOptionType` gives (its `check`
  # is what `coercedTo` and `either` ask).
  mkOptionType = { name, description ? null, descriptionClass ? null, check ? (x: true)
    , merge ? mergeDefaultOption, emptyValue ? { }, getSubOptions ? prefix: { }
    , getSubModules ? null, substSubModules ? m: null, typeMerge ? t: null
    , functor ? { inherit name; type = null; wrapped = null; payload = null; binOp = a: b: null; }
    , deprecationMessage ? null, nestedTypes ? { } }: {
      _type = "option-type";
      inherit name check merge emptyValue getSubOptions getSubModules substSubModules typeMerge
        functor deprecationMessage nestedTypes descriptionClass;
      description = if description == null then name else description;
    };
  isOptionType = x: (x._type or "") == "option-type";
  mkEnableOption = name: mkOption {
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
    type = types.bool;
  };
  mkPackageOption = internal.unknown "lib.mkPackageOption";
  # `lib.types` stays opaque to the module system: src/modules/types.rs reads
  # each type by the unknown it is (`types.listOf types.str` is `listOf`
  # applied to `str`). The types below also carry nixpkgs' `name`,
  # `description` and `descriptionClass` (option documentation, error
  # messages), written from their documented wording, and what
  # `optionAttrSetToDocList` reads (`getSubOptions`, `getSubModules`,
  # `substSubModules`, `emptyValue`); every other attribute stays the
  # unknown's.
  types =
    let
      opaque = internal.unknown "lib.types";
      # What documentation reads of a type (`optionAttrSetToDocList`): a
      # type without options below it, unless it says otherwise.
      leaf = { getSubOptions = _: { }; getSubModules = null; substSubModules = _: null; emptyValue = { }; };
      described = name: t: description: descriptionClass:
        t // leaf // { inherit name description descriptionClass; };
      # A type around `inner`: its options are `inner`'s, one step (`step`,
      # a list) further down, and it is rebuilt around changed submodules.
      around = inner: step: rebuild: {
        getSubOptions = prefix: inner.getSubOptions (prefix ++ step);
        getSubModules = inner.getSubModules;
        substSubModules = m: rebuild (inner.substSubModules m);
      };
      # A type's description inside another's: in parentheses unless its
      # class is one `keep` accepts.
      phrase = keep: t: if keep (t.descriptionClass or null) then t.description else "(${t.description})";
      showValue = v:
        if b.isString v then ''"${v}"''
        else if b.isInt v || b.isBool v || v == null then b.toJSON v
        else "<${b.typeOf v}>";
      nounOrComposite = c: c == "noun" || c == "composite";
      int = described "int" opaque.int "signed integer" "noun" // { check = b.isInt; merge = mergeEqualOption; };
      float = described "float" opaque.float "floating point number" "noun" // { check = b.isFloat; merge = mergeEqualOption; };
      str = described "str" opaque.str "string" "noun" // { check = b.isString; merge = mergeEqualOption; };
      number = described "either" opaque.number "${int.description} or ${float.description}" "conjunction"
        // { check = x: b.isInt x || b.isFloat x; };
      either = t1: t2: described "either" (opaque.either t1 t2)
        (if (t1.descriptionClass or null) == "nonRestrictiveClause"
         then "${t1.description}, or ${phrase (c: c == "noun" || c == "conjunction" || c == "composite") t2}"
         else "${phrase (c: c == "noun" || c == "conjunction") t1} or ${phrase (c: c == "noun" || c == "conjunction" || c == "composite") t2}")
        "conjunction" // {
          check = x: t1.check x || t2.check x;
          merge = loc: defs:
            let values = getValues defs; in
            if b.all t1.check values then t1.merge loc defs
            else if b.all t2.check values then t2.merge loc defs
            else mergeOneOption loc defs;
        };
      # "0 and 255 (both inclusive)"; numbers show as JSON.
      bounds = show: lo: hi: "${show lo} and ${show hi} (both inclusive)";
      pow2 = n: if n == 0 then 1 else 2 * pow2 (n - 1);
      sized = name: bits: signed:
        let
          lo = if signed then 0 - (pow2 (bits - 1)) else 0;
          hi = (if signed then pow2 (bits - 1) else pow2 bits) - 1;
        in
        described "${if signed then "signed" else "unsigned"}Int${toString bits}" opaque.ints.${name}
          "${toString bits} bit ${if signed then "signed" else "unsigned"} integer; between ${bounds toString lo hi}" "noun"
        // { check = x: b.isInt x && x >= lo && x <= hi; merge = mergeEqualOption; };
      enum = values: described "enum" (opaque.enum values)
        (if values == [ ] then "impossible (empty enum)"
         else if length values == 1 then "value ${showValue (head values)} (singular enum)"
         else "one of ${concatMapStringsSep ", " showValue values}")
        (if length values > 1 then "conjunction" else "noun")
        // { check = v: elem v values; functor = { name = "enum"; payload.values = values; }; };
      # Each attribute's definitions, `mkIf`/`mkMerge` discharged, only the
      # highest priority kept and `mkOrder` sorted, merged by `t.merge`. An
      # attribute with no definition left is not there (`attrsOf`) or, when
      # `lazy` (`lazyAttrsOf`), `t`'s empty value (an error for a type
      # without one, when read).
      attrsMerge = lazy: t: loc: defs:
        let
          kind = v: if b.isAttrs v then v._type or "" else "";
          discharge = v:
            if kind v == "merge" then b.concatMap discharge v.contents
            else if kind v == "if" then (if v.condition then discharge v.content else [ ])
            else [ v ];
          spread = b.concatMap (d: map (value: { inherit (d) file; inherit value; }) (discharge d.value)) defs;
          byName = b.zipAttrsWith (n: vs: vs)
            (map (d: b.mapAttrs (n: value: { inherit (d) file; inherit value; }) d.value) spread);
          prio = d: if kind d.value == "override" then d.value.priority else 100;
          strip = d: if kind d.value == "override" then d // { value = d.value.content; } else d;
          order = d: if kind d.value == "order" then d.value.priority else 1000;
          unorder = d: if kind d.value == "order" then d // { value = d.value.content; } else d;
          settle = ds:
            let
              flat = b.concatMap (d: map (value: d // { inherit value; }) (discharge d.value)) ds;
              best = b.foldl' (m: d: if prio d < m then prio d else m) 9999 flat;
              kept = map strip (b.filter (d: prio d == best) flat);
              flat' = b.concatMap (d: map (value: d // { inherit value; }) (discharge d.value)) kept;
            in
            map unorder (b.sort (x: y: order x < order y) flat');
          merged = b.mapAttrs (n: ds: settle ds) byName;
        in
        if lazy then
          b.mapAttrs (n: ds:
            if ds != [ ] then t.merge (loc ++ [ n ]) ds
            else t.emptyValue.value or (throw "The option `${showOption (loc ++ [ n ])}' was accessed but has no value defined. Try setting the option."))
            merged
        else b.mapAttrs (n: ds: t.merge (loc ++ [ n ]) ds) (filterAttrs (n: ds: ds != [ ]) merged);
      # `attrsWith`: `attrsOf` (`lazyAttrsOf` when lazy) whose options below
      # are under `<placeholder>`.
      attrsWith' = made: { elemType, lazy ? false, placeholder ? "name" }:
        described (if lazy then "lazyAttrsOf" else "attrsOf") made
          "${if lazy then "lazy attribute set" else "attribute set"} of ${phrase nounOrComposite elemType}" "composite"
        // around elemType [ "<${placeholder}>" ] (e: attrsWith { elemType = e; inherit lazy placeholder; })
        // {
          check = b.isAttrs;
          merge = attrsMerge lazy elemType;
          emptyValue.value = { };
          nestedTypes.elemType = elemType;
        };
      attrsWith = a: attrsWith' (opaque.attrsWith a) a;
      separated = made: sep: described "separatedString" made "strings concatenated with ${b.toJSON sep}" "noun" // {
        check = b.isString;
        merge = loc: defs: b.concatStringsSep sep (getValues defs);
      };
      pathWith = made: { inStore ? null, absolute ? null }:
        described "path" made
          ((if absolute == null then "" else if absolute then "absolute " else "relative ") + "path"
           + (if inStore == null then "" else if inStore then " in the Nix store" else " not in the Nix store"))
          "noun"
        // {
          check = x:
            let
              s = toString x;
              storeHere = hasPrefix "${b.storeDir}/" s;
            in
            (if inStore == null || inStore then isStringLike x else b.isString x)
            && (inStore == null || inStore == storeHere)
            && (absolute == null || absolute == (b.substring 0 1 s == "/"));
          merge = mergeEqualOption;
        };
      isModule = x: b.isAttrs x || b.isFunction x || b.isPath x;
      # A submodule: its own module system. Documentation evaluates its
      # modules alone (the name placeholder "‹name›" for `name`), with the
      # options below `prefix`; a freeform type's options are under
      # `_freeformOptions`.
      submoduleWith' = made: a@{ modules, specialArgs ? { }, shorthandOnlyDefinesConfig ? false, description ? null, class ? null }:
        let
          base = extra: prefix: evalModules {
            inherit class specialArgs prefix;
            modules = [ { _module.args.name = mkOptionDefault "‹name›"; } ] ++ extra ++ modules;
          };
          # Documentation checks nothing (nixpkgs' `noCheckForDocsModule`).
          docs = prefix: base [ { config._module.check = mkForce false; } ] prefix;
          freeform = (docs [ ])._module.freeformType;
        in
        made // {
          name = "submodule";
          description =
            if description != null then description
            else if freeform ? description then "open submodule of ${phrase nounOrComposite freeform}"
            else "submodule";
          descriptionClass = null;
          check = isModule;
          emptyValue.value = (base [ ] [ ]).config;
          getSubOptions = prefix:
            let e = docs prefix; f = e._module.freeformType; in
            e.options // optionalAttrs (f != null) { _freeformOptions = f.getSubOptions prefix; };
          getSubModules = modules;
          substSubModules = m: submoduleWith (a // { modules = m; });
          nestedTypes = optionalAttrs (freeform != null) { freeformType = freeform; };
        };
      submoduleWith = a: submoduleWith' (opaque.submoduleWith a) a;
      listOf = t: described "listOf" (opaque.listOf t) "list of ${phrase nounOrComposite t}" "composite"
        // around t [ "*" ] listOf
        // {
          check = b.isList;
          emptyValue.value = [ ];
          # Each element merged alone by the element type.
          merge = loc: defs: b.concatMap
            (d: map (v: t.merge (loc ++ [ "[definition]" ]) [ { inherit (d) file; value = v; } ]) d.value)
            defs;
          nestedTypes.elemType = t;
        };
      unique' = made: rebuild: message: t: made // leaf // around t [ ] rebuild // {
        name = "unique";
        inherit (t) description descriptionClass check emptyValue;
        merge = mergeUniqueOption { inherit message; inherit (t) merge; };
        nestedTypes.elemType = t;
      };
      unique = u@{ message }: t: unique' (opaque.unique u t) (unique u) message t;
      uniq = t: unique' (opaque.uniq t) uniq "" t;
      # `addCheck t f` is `t` with `f` asked too.
      addCheck = t: f: opaque.addCheck t f // leaf // {
        inherit (t) name description descriptionClass merge emptyValue getSubOptions getSubModules substSubModules;
        check = x: t.check x && f x;
      };
      package = described "package" opaque.package "package" "noun" // {
        check = x: (x.type or null) == "derivation" || (b.isString x && b.substring 0 1 x == "/");
        merge = mergeOneOption;
      };
      attrs = described "attrs" opaque.attrs "attribute set" null // {
        check = b.isAttrs;
        emptyValue.value = { };
        merge = loc: b.foldl' (acc: d: acc // d.value) { };
      };
      strMatching' = made: pattern: described "strMatching ${escapeNixString pattern}" made
        "string matching the pattern ${pattern}" "noun" // {
          check = x: b.isString x && b.match pattern x != null;
          merge = mergeEqualOption;
        };
      deferredModuleWith' = made: a@{ staticModules ? [ ] }:
        described "deferredModule" made "module" "noun" // {
          check = isModule;
          inherit (submoduleWith { modules = staticModules; }) getSubOptions getSubModules;
          substSubModules = m: deferredModuleWith (a // { staticModules = m; });
        };
      deferredModuleWith = a: deferredModuleWith' (opaque.deferredModuleWith a) a;
      nullOr = t: described "nullOr" (opaque.nullOr t)
        "null or ${phrase (c: c == "noun" || c == "conjunction") t}" "conjunction"
        // around t [ ] nullOr
        // {
          check = x: x == null || t.check x;
          emptyValue.value = null;
          merge = loc: defs:
            let nulls = b.length (b.filter (d: d.value == null) defs); in
            if nulls == b.length defs then null
            else if nulls == 0 then t.merge loc defs
            else throw "The option `${showOption loc}' is defined both null and not null.";
          nestedTypes.elemType = t;
        };
      nonEmptyListOf = t: described "listOf" (opaque.nonEmptyListOf t) "non-empty ${phrase (c: c == "noun") (listOf t)}" "composite"
        // around t [ "*" ] nonEmptyListOf
        // {
          check = x: b.isList x && x != [ ];
          inherit (listOf t) merge;
          nestedTypes.elemType = t;
        };
      coercedTo = from: coerce: to: opaque.coercedTo from coerce to // leaf // around to [ ] (coercedTo from coerce) // {
        name = "coercedTo";
        description = "${phrase (c: c == "noun") to} or ${phrase (c: c == "noun") from} convertible to it";
        descriptionClass = null;
        inherit (to) emptyValue;
        check = x: (from.check x && to.check (coerce x)) || to.check x;
        merge = loc: defs:
          to.merge loc (map (d: d // { value = if from.check d.value then coerce d.value else d.value; }) defs);
        nestedTypes = { coercedType = from; finalType = to; };
      };
      # A function's definitions merge to one function whose arguments are
      # optional where every definition has them optional.
      functionTo = t: described "functionTo" (opaque.functionTo t)
        "function that evaluates to a(n) ${phrase nounOrComposite t}" "composite"
        // around t [ "<function body>" ] functionTo
        // {
          check = b.isFunction;
          merge = loc: defs:
            setFunctionArgs
              (args: t.merge (loc ++ [ "<function body>" ]) (map (d: d // { value = d.value args; }) defs))
              (zipAttrsWith (_: all id) (map (d: functionArgs d.value) defs));
          nestedTypes.elemType = t;
        };
      # Types without arguments whose equal names merge to themselves.
      plainNames = [ "str" "int" "bool" "float" ];
      # The names nixpkgs' `lib.types` has that are not described here.
      plain = [
        "attrListOf" "attrListWith" "attrTag" "defaultFunctor" "defaultTypeMerge"
        "json" "loaOf" "noCheckForDocsModule" "serializableValueWith" "setType" "string" "toml" "types"
      ];
    in
    # The names of `types` are nixpkgs' (26.11, and the removed `string`),
    # and no others: under `with types;` any other name (`mkOption`,
    # `mkIf`) is found in the outer scopes, as in Nix.
    b.listToAttrs (map (n: nameValuePair n opaque.${n}) plain) // {
      inherit int float str number either enum mkOptionType isOptionType listOf attrsWith submoduleWith
        unique uniq addCheck package attrs deferredModuleWith nullOr nonEmptyListOf coercedTo functionTo;
      bool = described "bool" opaque.bool "boolean" "noun" // { check = b.isBool; merge = mergeEqualOption; };
      boolByOr = described "boolByOr" opaque.boolByOr "boolean (merged using or)" "noun" // {
        check = b.isBool;
        merge = loc: defs: b.any id (getValues defs);
      };
      ints = {
        between = lo: hi: described "intBetween" (opaque.ints.between lo hi) "integer between ${bounds toString lo hi}" "noun"
          // { check = x: b.isInt x && x >= lo && x <= hi; merge = mergeEqualOption; };
        positive = described "positiveInt" opaque.ints.positive "positive integer, meaning >0" "nonRestrictiveClause"
          // { check = x: b.isInt x && x > 0; merge = mergeEqualOption; };
        unsigned = described "unsignedInt" opaque.ints.unsigned "unsigned integer, meaning >=0" "nonRestrictiveClause"
          // { check = x: b.isInt x && x >= 0; merge = mergeEqualOption; };
        u8 = sized "u8" 8 false; u16 = sized "u16" 16 false; u32 = sized "u32" 32 false;
        s8 = sized "s8" 8 true; s16 = sized "s16" 16 true; s32 = sized "s32" 32 true;
      };
      # nixpkgs' `port` is `ints.u16`.
      port = sized "u16" 16 false;
      numbers = {
        between = lo: hi: described "numberBetween" (opaque.numbers.between lo hi)
          "integer or floating point number between ${bounds b.toJSON lo hi}" "conjunction"
          // { check = x: number.check x && x >= lo && x <= hi; };
        nonnegative = described "numberNonnegative" opaque.numbers.nonnegative
          "nonnegative integer or floating point number, meaning >=0" "nonRestrictiveClause"
          // { check = x: number.check x && x >= 0; };
        positive = described "numberPositive" opaque.numbers.positive
          "positive integer or floating point number, meaning >0" "nonRestrictiveClause"
          // { check = x: number.check x && x > 0; };
      };
      nonEmptyStr = described "nonEmptyStr" opaque.nonEmptyStr "non-empty string" "noun" // {
        check = x: b.isString x && b.match "[ \t\n]*" x == null;
        merge = mergeEqualOption;
      };
      singleLineStr = described "singleLineStr" opaque.singleLineStr "(optionally newline-terminated) single-line string" "noun" // {
        check = x: b.isString x && b.match "[^\n\r]*\n?" x != null;
        merge = loc: defs: removeSuffix "\n" (mergeEqualOption loc defs);
      };
      strMatching = p: strMatching' (opaque.strMatching p) p;
      separatedString = sep: separated (opaque.separatedString sep) sep;
      lines = separated opaque.lines "\n";
      commas = separated opaque.commas ",";
      envVar = separated opaque.envVar ":";
      # `t` without ":" or newlines (merged as `t`).
      passwdEntry = t: addCheck t (s: !(hasInfix ":" s || hasInfix "\n" s)) // {
        name = "passwdEntry ${t.name}";
        description = "${phrase (c: c == "noun") t}, not containing newlines or colons";
        descriptionClass = "nonRestrictiveClause";
      };
      path = pathWith opaque.path { absolute = true; };
      pathInStore = pathWith opaque.pathInStore { inStore = true; };
      externalPath = pathWith opaque.externalPath { absolute = true; inStore = false; };
      pathWith = a: pathWith (opaque.pathWith a) a;
      fileset = described "fileset" opaque.fileset "fileset" "noun" // { emptyValue = opaque.fileset.emptyValue; };
      luaInline = described "luaInline" opaque.luaInline "inline lua" "noun" // {
        check = x: (x._type or null) == "lua-inline";
        merge = mergeEqualOption;
      };
      optionDeclaration = described "optionDeclaration" opaque.optionDeclaration "option declaration" "noun" // {
        check = x: isType "option" x && !(x ? value);
      };
      # The type of a type. One definition is itself; merging several needs
      # nixpkgs' module system.
      optionType = mkOptionType {
        name = "optionType";
        descriptionClass = "noun";
        check = isType "option-type";
        merge = loc: defs:
          if length defs == 1 then (head defs).value
          else internal.unknownWhy "lib.types.optionType.merge"
            "several definitions of a type merge as nixpkgs' module system merges option declarations, which atelier's built-in lib does not";
      };
      pkgs = described "pkgs" opaque.pkgs "Nixpkgs package set" "noun" // {
        check = x: b.isAttrs x && (x._type or null) == "pkgs";
        merge = mergeUniqueOption { message = "A Nixpkgs pkgs set can not be merged with another pkgs set."; merge = attrs.merge; };
        emptyValue.value = { };
      };
      shellPackage = described "package" opaque.shellPackage "package" "noun" // {
        check = x: isDerivation x && x ? shellPath;
        merge = mergeOneOption;
      };
      oneOf = ts: described "either" (opaque.oneOf ts)
        (if ts == [ ] then (opaque.oneOf ts).description else (foldl' either (head ts) (tail ts)).description)
        "conjunction"
        // (if ts == [ ] then { check = x: false; } else {
          inherit (foldl' either (head ts) (tail ts)) check merge;
        });
      # The shallow checks nixpkgs' types have (`coercedTo` and `either`
      # ask them, and so may a module: `if type.check v then ...`), and
      # the `merge` of a few, for a type of one's own that calls it
      # (`(lazyAttrsOf t).merge loc defs`, `functionTo`'s). atelier's module
      # system merges options of these types itself (src/modules).
      attrsOf = t: attrsWith' (opaque.attrsOf t) { elemType = t; };
      lazyAttrsOf = t: attrsWith' (opaque.lazyAttrsOf t) { elemType = t; lazy = true; };
      raw = described "raw" opaque.raw "raw value" "noun" // { check = x: true; merge = mergeOneOption; };
      submodule = m: submoduleWith' (opaque.submodule m) { modules = toList m; shorthandOnlyDefinesConfig = true; };
      deferredModule = deferredModuleWith' opaque.deferredModule { };
      anything = described "anything" opaque.anything "anything" "noun" // { check = x: true; };
      unspecified = described "unspecified" opaque.unspecified "unspecified value" "noun" // {
        check = x: true;
        merge = mergeDefaultOption;
      };
      optionDescriptionPhrase = phrase;
      isType = type: x: (x._type or "") == type;
      # Two types as one: equal argument-less types, enums (their values
      # joined); types atelier does not describe are unknown; others are a
      # merge error, as nixpkgs says.
      mergeTypes = t1: t2:
        if !(t1 ? description && t2 ? description) then opaque.mergeTypes t1 t2
        else if t1.name == "enum" && t2.name == "enum" then
          enum (t1.functor.payload.values ++ t2.functor.payload.values)
        else if t1.name == t2.name && elem t1.name plainNames then t1
        else if t1.name == t2.name then opaque.mergeTypes t1 t2
        else { _type = "merge-error"; error = "Cannot merge types"; };
    };
  literalExpression = text: { _type = "literalExpression"; inherit text; };

  # lib.evalModules on atelier's module system (src/modules): `config` is
  # computed lazily, as for a host; `options` is the option tree
  # (declarations with `value` and `loc`; where definitions came from is
  # unknown). `type` is `types.submoduleWith` of the same modules, as opaque as
  # the rest of the built-in `types`.
  evalModules = evalArgs@{ modules, specialArgs ? { }, prefix ? [ ], class ? null, args ? { }, check ? true }:
    let
      withArgs = modules ++ optional (evalArgs ? args) { _module.args = args; };
      # The modules see `_module` in `config`; the result has it apart.
      evaluated = internal.evalModules { modules = withArgs; inherit specialArgs prefix class; };
      full = evaluated.config;
      config = removeAttrs full [ "_module" ];
    in
    {
      _type = "configuration";
      inherit config class;
      inherit (evaluated) options;
      _module = full._module;
      type = types.submoduleWith { modules = withArgs; inherit specialArgs class; };
      extendModules = extendArgs@{ modules ? [ ], specialArgs ? { }, prefix ? [ ] }:
        evalModules (evalArgs // {
          modules = evalArgs.modules ++ extendArgs.modules or [ ];
          specialArgs = (evalArgs.specialArgs or { }) // specialArgs;
          prefix = extendArgs.prefix or evalArgs.prefix or [ ];
        });
    };

  # Discovery reads `modules` from this marker instead of running the NixOS
  # module system.
  nixosSystem = args: {
    _type = "nixosSystem";
    inherit args;
    modules = args.modules or [ ];
    specialArgs = args.specialArgs or { };
    # What the NixOS module system computes: unknown here.
    config = internal.unknown "config";
    options = internal.unknown "options";
    pkgs = internal.unknown "pkgs";
  };

  trivial = {
    inherit id const flip boolToString functionArgs pipe mapNullable defaultTo warn warnIf info throwIf throwIfNot
      mergeAttrs and xor bitAnd bitOr bitXor min max mod toFunction toBaseDigits toHexString fromHexString;
    "or" = x: y: x || y;
    inherit isFunction setFunctionArgs toExtension concat boolToYesNo warnIfNot checkListOfEnum compare
      splitByAndCompare mirrorFunctionArgs importTOML importJSON;
    bitNot = b.sub (-1);
    inherit (b) mul div add sub lessThan ceil floor isFloat isBool isInt seq deepSeq pathExists readFile genericClosure;
    inPureEvalMode = !b ? currentSystem;
    inNixShell = b.getEnv "IN_NIX_SHELL" != "";
    inherit showWarnings;
  };
  # The nixpkgs version is a fact of the nixpkgs source the built-in lib
  # stands in for: unknown, named, unless the flake's lock names a nixpkgs
  # release (src/discover/flake.rs `nixpkgs_version` extends this lib then).
  # In `lib.trivial` only, as in nixpkgs.
  versionInfo = {
    release = versionUnknown "release";
    versionSuffix = versionUnknown "versionSuffix";
    codeName = versionUnknown "codeName";
    oldestSupportedRelease = versionUnknown "oldestSupportedRelease";
    revisionWithDefault = default: default;
  };
  versionUnknown = name: internal.unknownWhy "lib.trivial.${name}"
    "the nixpkgs version is a fact of nixpkgs' source, which the built-in lib stands in for; it is known when the flake's lock names a nixpkgs release, or when nixpkgs' lib is read from source (pass nixpkgs with --override-input)";
  fixedPoints = { inherit converge toExtension fix fix' extends composeExtensions composeManyExtensions makeExtensible makeExtensibleWithCustomName; };
  # lib.versions: parts of a version string, split as `builtins.splitVersion` does.
  versions =
    let
      nth = i: v: b.elemAt (b.splitVersion v) i;
    in
    {
      inherit (b) compareVersions splitVersion;
      major = nth 0;
      minor = nth 1;
      patch = nth 2;
      majorMinor = v: concatStringsSep "." (take 2 (b.splitVersion v));
      # The first `n` numeric parts, "0" where the version has fewer, then
      # whatever followed the first "-".
      pad =
        n: version:
        let
          numeric = head (lib.splitString "-" version);
          rest = removePrefix numeric version;
          parts = b.splitVersion numeric ++ genList (_: "0") n;
        in
        concatStringsSep "." (take n parts) + rest;
    };
  importJSON = path: b.fromJSON (b.readFile path);
  pathType = path:
    if !(b.pathExists path) then throw "lib.filesystem.pathType: path ${toString path} does not exist"
    else if toString path == "/" then "directory"
    else (b.readDir (dirOf path)).${baseNameOf path};
  pathIsDirectory = path: b.pathExists path && pathType path == "directory";
  pathIsRegularFile = path: b.pathExists path && pathType path == "regular";
  # Top-level names of nixpkgs' lib that its default.nix takes from a part
  # (`lib.pathType` is `lib.filesystem.pathType`, …), and small functions of
  # those parts that flakes call. Deprecation warnings are dropped, as `warn`
  # drops them.
  fold = foldr;
  imap = imap1;
  concatImapStrings = f: list: concatStrings (imap1 f list);
  concatImapStringsSep = sep: f: list: concatStringsSep sep (imap1 f list);
  intersperse = sep: list: if length list < 2 then list else tail (concatMap (x: [ sep x ]) list);
  getVersion = x:
    if b.isString x then (parseDrvName x).version
    else x.version or (parseDrvName x.name).version;
  # Configure-flag strings: `--enable-x`, `--with-x=v`, `-DX:BOOL=TRUE`, `-Dx=enabled`.
  enableFeature = flag: feature:
    assert b.isBool flag; assert b.isString feature;
    "--${if flag then "enable" else "disable"}-${feature}";
  enableFeatureAs = flag: feature: value: enableFeature flag feature + optionalString flag "=${value}";
  withFeature = flag: feature:
    assert b.isString feature;
    "--${if flag then "with" else "without"}-${feature}";
  withFeatureAs = flag: feature: value: withFeature flag feature + optionalString flag "=${value}";
  cmakeOptionType = type: feature: value:
    let kind = toUpper type; in
    assert elem kind [ "BOOL" "FILEPATH" "PATH" "STRING" "INTERNAL" "LIST" ];
    assert b.isString feature; assert b.isString value;
    "-D${feature}:${kind}=${value}";
  cmakeBool = condition: flag:
    assert b.isString condition; assert b.isBool flag;
    cmakeOptionType "bool" condition (if flag then "TRUE" else "FALSE");
  cmakeFeature = feature: value:
    assert b.isString feature; assert b.isString value;
    cmakeOptionType "string" feature value;
  mesonOption = feature: value:
    assert b.isString feature; assert b.isString value;
    "-D${feature}=${value}";
  mesonBool = condition: flag:
    assert b.isString condition; assert b.isBool flag;
    mesonOption condition (boolToString flag);
  mesonEnable = feature: flag:
    assert b.isString feature; assert b.isBool flag;
    mesonOption feature (if flag then "enabled" else "disabled");
  # A package's `meta` and name, changed (through `overrideAttrs` when it has one).
  addMetaAttrs = extra: drv:
    if drv ? overrideAttrs then drv.overrideAttrs (old: { meta = (old.meta or { }) // extra; })
    else drv // { meta = (drv.meta or { }) // extra; };
  setPrio = priority: addMetaAttrs { inherit priority; };
  lowPrio = setPrio 10;
  hiPrio = setPrio (-10);
  mapDerivationAttrset = f: mapAttrs (_: v: if isDerivation v then f v else v);
  lowPrioSet = mapDerivationAttrset lowPrio;
  hiPrioSet = mapDerivationAttrset hiPrio;
  dontDistribute = addMetaAttrs { hydraPlatforms = [ ]; };
  setName = name: drv: drv // { inherit name; };
  updateName = f: drv: drv // { name = f drv.name; };
  appendToName = suffix: updateName (name:
    let p = parseDrvName name; in "${p.name}-${suffix}-${p.version}");
  # The first of `candidates` a package has as an output (the package itself
  # when none is, or when an output was chosen already).
  getFirstOutput = candidates: pkg:
    let present = filter (o: pkg ? ${o}) candidates; in
    if pkg.outputSpecified or false || present == [ ] then pkg else pkg.${head present};
  getLib = getOutput "lib";
  getDev = getOutput "dev";
  getMan = getOutput "man";
  getStatic = getFirstOutput [ "static" "lib" "out" ];
  getInclude = getFirstOutput [ "include" "dev" "out" ];
  chooseDevOutputs = map getDev;
  zipAttrsWithNames = names: f: sets: genAttrs names (name: f name (b.catAttrs name sets));
  concatAttrValues = set: concatLists (attrValues set);
  mutuallyExclusive = xs: ys: xs == [ ] || !(b.any (y: elem y xs) ys);
  converge = f: x: let next = f x; in if next == x then x else converge f next;
  showWarnings = warnings: value: foldr warn value warnings;
  isType = type: x: (x._type or "") == type;
  setType = name: value: value // { _type = name; };
  isOption = isType "option";
  mkAssert = cond: msg: mkIf (if cond then true else throw "\nFailed assertion: ${msg}");
  unknownModule = "<unknown-file>";
  pathHasContext = b.hasContext;
  canCleanSource = src: src ? _isLibCleanSourceWith || !(pathHasContext (toString src));
  revOrTag = rev: tag: if tag != null then tag else if rev != null then rev else "HEAD";
  # `trace` and friends give their value; what they print is Nix's business.
  traceIf = cond: msg: x: if cond then b.trace msg x else x;
  traceValFn = f: x: b.trace (f x) x;
  traceVal = traceValFn id;
  traceSeq = x: y: b.trace (b.deepSeq x x) y;
  traceValSeqFn = f: v: traceValFn f (b.deepSeq v v);
  traceValSeq = traceValSeqFn id;
  traceSeqN = depth: x: y: b.trace x y;
  traceValSeqNFn = f: depth: v: traceSeqN depth (f v) v;
  traceValSeqN = traceValSeqNFn id;
  # A depth-first walk from the list's head to an element nothing left comes
  # before (`before a b`: `a` goes first), with the elements passed on the
  # way (`visited`, latest first) and those not reached (`rest`); a cycle,
  # when asked to stop at one, is reported with the elements that close it.
  listDfs = stopOnCycles: before: list:
    let
      walk = at: seen: todo:
        let
          back = filter (v: before v at) seen;
          split = partition (v: before v at) todo;
        in
        if stopOnCycles && back != [ ] then { cycle = at; loops = back; visited = seen; rest = todo; }
        else if split.right == [ ] then { minimal = at; visited = seen; rest = todo; }
        else walk (head split.right) ([ at ] ++ seen) (tail split.right ++ split.wrong);
    in
    walk (head list) [ ] (tail list);
  # `{ result; }`, the list ordered by `before` (stable for unrelated
  # elements as the walk above meets them), or `{ cycle; loops; }`.
  toposort = before: list:
    if length list < 2 then { result = list; }
    else
      let
        found = listDfs true before list;
        others = toposort before (found.visited ++ found.rest);
      in
      if found ? cycle then { cycle = reverseList ([ found.cycle ] ++ found.visited); inherit (found) loops; }
      else if others ? cycle then others
      else { result = [ found.minimal ] ++ others.result; };
  # Linux kernel configuration values (`lib.kernel`).
  kernel = {
    yes = { tristate = "y"; optional = false; };
    no = { tristate = "n"; optional = false; };
    module = { tristate = "m"; optional = false; };
    unset = { tristate = null; optional = false; };
    option = x: x // { optional = true; };
    freeform = x: { freeform = x; optional = false; };
    whenHelpers = version: {
      whenAtLeast = v: mkIf (versionAtLeast version v);
      whenOlder = v: mkIf (versionOlder version v);
      whenBetween = low: high: mkIf (versionAtLeast version low && versionOlder version high);
    };
  };
  # Placeholder hashes, for a fetch whose hash is to be filled in.
  fakeSha256 = concatStrings (genList (_: "0") 64);
  fakeSha512 = concatStrings (genList (_: "0") 128);
  fakeHash = "sha256-${concatStrings (genList (_: "A") 43)}=";
  assertOneOf = name: val: xs:
    assertMsg (elem val xs) "${name} must be one of ${generators.toPretty { } xs}, but is: ${generators.toPretty { } val}";
  traceFnSeqN = depth: name: f: v: let res = f v; in traceSeqN (depth + 1) { fn = name; from = v; to = res; } res;
  filesystem = { inherit resolveDefaultNix listFilesRecursive pathType pathIsDirectory pathIsRegularFile packagesFromDirectoryRecursive;
    inherit (b) readFileType hashFile baseNameOf dirOf isPath readDir;
    inherit (more.filesystem) haskellPathsInDir locateDominatingFile;
  };
  # lib.fileset, for reading: a file set is its list of files (a path
  # stands for every file under it); toSource gives the root path itself.
  fileset =
    let
      files = fs:
        if isAttrs fs && fs ? _atelierFiles then fs._atelierFiles
        else if pathIsDirectory fs then listFilesRecursive fs
        else if b.pathExists fs then [ fs ]
        else [ ];
      mk = list: { _type = "fileset"; _atelierFiles = list; };
      keyed = list: listToAttrs (map (p: nameValuePair (toString p) p) list);
    in
    {
      toList = fs: files fs;
      fileFilter = pred: root:
        mk (filter (p:
          let name = b.baseNameOf (toString p); in
          pred { inherit name; type = "regular"; hasExt = ext: hasSuffix ".${ext}" name; })
          (files root));
      union = a: c: mk (attrValues (keyed (files a ++ files c)));
      unions = list: mk (attrValues (keyed (concatMap files list)));
      intersection = a: c: let ka = keyed (files a); in mk (filter (p: ka ? ${toString p}) (files c));
      difference = a: c: let kc = keyed (files c); in mk (filter (p: !(kc ? ${toString p})) (files a));
      maybeMissing = p: if b.pathExists p then p else mk [ ];
      toSource = { root, fileset }: root;
      fromSource = src: src;
      gitTracked = root: root;
      empty = mk [ ];
      inherit (more.fileset) isFileset trace traceVal gitTrackedWith;
    };
  # What few flakes use (src/nix/lib-more.nix), parsed when first used.
  more = internal.more { inherit lib internal; };
  customisation = { inherit callPackageWith callPackagesWith makeOverridable makeScope renameCrossIndexFrom renameCrossIndexTo mapCrossIndex;
    inherit (more.customisation) extendDerivation hydraJob overrideDerivation makeScopeWithSplicing
      makeScopeWithSplicing' extendMkDerivation; };
  sources = {
    inherit (b) filterSource;
    inherit pathHasContext canCleanSource revOrTag cleanSourceWith cleanSource cleanSourceFilter sourceByRegex sourceFilesBySuffices;
    inherit (more.sources) commitIdFromGitRepo pathIsGitRepo repoRevToName; };
  # lib.systems.elaborate, written from its documented behaviour: a system
  # double ("x86_64-linux"), a config triple ("aarch64-unknown-linux-musl")
  # or a set with `system` or `config`, to the platform set. The attributes
  # host configurations read (system, config, parsed, the is* predicates,
  # libc, linker, linuxArch, qemuArch, efiArch, uname) are nixpkgs' values;
  # the others (toolchain and emulator details) are unknown, and so is a
  # system whose CPU or kernel the table below does not name.
  systems =
    let
      platformUnknown = name: internal.unknownWhy "lib.systems.elaborate.${name}"
        "atelier's built-in lib gives only the platform attributes host configurations read (system, config, parsed, is*, libc, linker, linuxArch, qemuArch, efiArch, uname); `${name}` needs nixpkgs' lib/systems (pass nixpkgs with --override-input)";
      byte = name: { _type = "significant-byte"; inherit name; };
      cpu = name: bits: family: extra:
        { _type = "cpu-type"; inherit name bits family; significantByte = byte (if extra.big or false then "bigEndian" else "littleEndian"); }
        // removeAttrs extra [ "big" ];
      cpus = {
        x86_64 = cpu "x86_64" 64 "x86" { arch = "x86-64"; };
        i686 = cpu "i686" 32 "x86" { arch = "i686"; };
        aarch64 = cpu "aarch64" 64 "arm" { arch = "armv8-a"; version = "8"; };
        armv5tel = cpu "armv5tel" 32 "arm" { arch = "armv5t"; version = "5"; };
        armv6l = cpu "armv6l" 32 "arm" { arch = "armv6"; version = "6"; };
        armv7l = cpu "armv7l" 32 "arm" { arch = "armv7"; version = "7"; };
        riscv32 = cpu "riscv32" 32 "riscv" { };
        riscv64 = cpu "riscv64" 64 "riscv" { };
        powerpc64le = cpu "powerpc64le" 64 "power" { };
        s390x = cpu "s390x" 64 "s390" { big = true; };
        loongarch64 = cpu "loongarch64" 64 "loongarch" { };
        mipsel = cpu "mipsel" 32 "mips" { };
        mips64el = cpu "mips64el" 64 "mips" { };
        wasm32 = cpu "wasm32" 32 "wasm" { };
      };
      # Names a config triple may give a CPU.
      cpuAliases = { arm64 = "aarch64"; };
      format = name: { _type = "exec-format"; inherit name; };
      kernel = name: execFormat: families: { _type = "kernel"; inherit name families; execFormat = format execFormat; };
      bsd = { bsd = format "bsd"; };
      kernels = {
        linux = kernel "linux" "elf" { };
        darwin = kernel "darwin" "macho" { darwin = format "darwin"; };
        freebsd = kernel "freebsd" "elf" bsd;
        netbsd = kernel "netbsd" "elf" bsd;
        openbsd = kernel "openbsd" "elf" bsd;
        wasi = kernel "wasi" "wasm" { };
      };
      vendor = name: { _type = "vendor"; inherit name; };
      abi = name: extra: { _type = "abi"; inherit name; } // extra;
      abis = {
        gnu = abi "gnu" { };
        gnueabi = abi "gnueabi" { eabi = true; float = "soft"; };
        gnueabihf = abi "gnueabihf" { eabi = true; float = "hard"; };
        musl = abi "musl" { };
        musleabi = abi "musleabi" { eabi = true; float = "soft"; };
        musleabihf = abi "musleabihf" { eabi = true; float = "hard"; };
        unknown = abi "unknown" { };
      };
      # The ABI a double implies: arm's EABI on 32-bit arm Linux, ELFv2 on
      # big-endian 64-bit POWER Linux.
      defaultAbi = c: k:
        if k != "linux" then "unknown"
        else if c == "armv5tel" then "gnueabi"
        else if c == "armv6l" || c == "armv7a" || c == "armv7l" then "gnueabihf"
        else if c == "powerpc64" then "gnuabielfv2"
        else "gnu";
      defaultVendor = k: if k == "darwin" then "apple" else "unknown";
      mkParsed = c: v: k: a: { _type = "system"; cpu = cpus.${c}; vendor = vendor v; kernel = kernels.${k}; abi = abis.${a}; };
      # `cpu-kernel`, `cpu-vendor-kernel` or `cpu-vendor-kernel-abi`.
      parse = s:
        let
          parts = b.filter b.isString (b.split "-" s);
          n = length parts;
          c0 = b.elemAt parts 0;
          c = cpuAliases.${c0} or c0;
          k = if n == 2 then b.elemAt parts 1 else b.elemAt parts 2;
          v = if n == 2 then defaultVendor k else b.elemAt parts 1;
          a = if n == 4 then b.elemAt parts 3 else if n == 2 then defaultAbi c k else "unknown";
        in
        if (n >= 2 && n <= 4) && cpus ? ${c} && kernels ? ${k} && abis ? ${a} then mkParsed c v k a else null;
      elaborate = systemOrArgs:
        let
          args = if b.isString systemOrArgs then { system = systemOrArgs; } else systemOrArgs;
          given = args.config or args.system;
          parsed = parse given;
        in
        if parsed == null then
          internal.unknownWhy "lib.systems.elaborate"
            "atelier's built-in lib knows the common Linux, Darwin and BSD systems, not `${given}`; pass nixpkgs with --override-input for nixpkgs' lib/systems"
        else
          let
            c = parsed.cpu; k = parsed.kernel.name; a = parsed.abi.name;
            arm = c.family == "arm"; x86 = c.family == "x86";
            mips = c.family == "mips"; power = c.family == "power";
            isDarwin = k == "darwin";
            isBSD = parsed.kernel.families ? bsd;
            isMusl = hasPrefix "musl" a;
            configCpu = if isDarwin && c.name == "aarch64" then "arm64" else c.name;
            known = {
              inherit parsed;
              system = "${c.name}-${k}";
              config = "${configCpu}-${parsed.vendor.name}-${k}${optionalString (a != "unknown") "-${a}"}";
              isLinux = k == "linux"; inherit isDarwin isBSD isMusl;
              isMacOS = isDarwin; isiOS = false;
              isFreeBSD = k == "freebsd"; isNetBSD = k == "netbsd"; isOpenBSD = k == "openbsd";
              isWasi = k == "wasi"; isWindows = false; isCygwin = false; isMinGW = false; isNone = false;
              isUnix = k == "linux" || isDarwin || isBSD;
              isGnu = hasPrefix "gnu" a; isUClibc = false; isStatic = k == "wasi";
              isEfi = x86 || c.family == "riscv" || c.family == "loongarch" || (arm && b.fromJSON c.version >= 6);
              isx86_64 = c.name == "x86_64"; isi686 = c.name == "i686";
              isx86 = x86; isx86_32 = x86 && c.bits == 32;
              isAarch = arm; isAarch64 = arm && c.bits == 64; isAarch32 = arm && c.bits == 32;
              isArmv7 = arm && (c.version or "") == "7";
              isRiscV = c.family == "riscv"; isRiscV32 = c.name == "riscv32"; isRiscV64 = c.name == "riscv64";
              isPower = power; isPower64 = power && c.bits == 64;
              isS390 = c.family == "s390"; isS390x = c.name == "s390x";
              isLoongArch64 = c.name == "loongarch64";
              isMips = mips; isMips32 = mips && c.bits == 32; isMips64 = mips && c.bits == 64;
              isWasm = c.family == "wasm";
              is32bit = c.bits == 32; is64bit = c.bits == 64;
              isLittleEndian = c.significantByte.name == "littleEndian";
              isBigEndian = c.significantByte.name == "bigEndian";
              libc =
                if isDarwin then "libSystem"
                else if k == "freebsd" then "fblibc" else if k == "netbsd" then "nblibc"
                else if k == "openbsd" then "oblibc" else if k == "wasi" then "wasilibc"
                else if isMusl then "musl" else "glibc";
              linker = if isDarwin then "cctools" else if k == "freebsd" || k == "openbsd" then "lld" else "bfd";
              useLLVM = k == "freebsd" || k == "openbsd";
              linuxArch =
                if c.name == "x86_64" then "x86_64" else if c.name == "i686" then "i386"
                else if c.name == "aarch64" then "arm64" else if arm then "arm"
                else if c.family == "riscv" then "riscv" else if power then "powerpc"
                else if c.name == "s390x" then "s390" else if c.family == "loongarch" then "loongarch"
                else if mips then "mips" else c.name;
              qemuArch =
                if c.name == "i686" then "i386" else if arm && c.bits == 32 then "arm"
                else if c.name == "powerpc64le" then "ppc64le" else c.name;
              efiArch =
                if c.name == "x86_64" then "x64" else if c.name == "i686" then "ia32"
                else if c.name == "aarch64" then "aa64" else if arm then "arm" else c.name;
              uname = {
                system = {
                  linux = "Linux"; darwin = "Darwin"; freebsd = "FreeBSD"; netbsd = "NetBSD";
                  openbsd = "OpenBSD"; wasi = "Wasi";
                }.${k};
                processor =
                  if isDarwin && c.name == "aarch64" then "arm64"
                  else if c.name == "powerpc64le" then "ppc64le"
                  else if c.name == "mips64el" then "mips64" else c.name;
                release = null;
              };
            };
          in
          b.listToAttrs (map (name: nameValuePair name (platformUnknown name)) unknownAttrs) // known;
      # lib.systems.doubles. nixpkgs' list of doubles (in its order: the
      # order shows in every category) as each kernel with the CPUs it is
      # listed with, and what the categories need to know of those CPUs.
      doubleKernels = [
        { kernel = "cygwin"; cpus = [ "i686" "x86_64" ]; }
        { kernel = "darwin"; cpus = [ "x86_64" "aarch64" ]; }
        { kernel = "freebsd"; cpus = [ "i686" "x86_64" "aarch64" ]; }
        { kernel = "genode"; cpus = [ "aarch64" "i686" "x86_64" ]; }
        { kernel = "solaris"; cpus = [ "x86_64" ]; }
        { kernel = "ghcjs"; cpus = [ "javascript" ]; }
        {
          kernel = "linux";
          cpus = [
            "aarch64" "arc" "armv5tel" "armv6l" "armv7a" "armv7l" "i686" "loongarch64" "m68k" "sh4"
            "microblaze" "microblazeel" "mips" "mips64" "mips64el" "mipsel" "powerpc" "powerpc64"
            "powerpc64le" "riscv32" "riscv64" "s390" "s390x" "x86_64"
          ];
        }
        { kernel = "mmixware"; cpus = [ "mmix" ]; }
        {
          kernel = "netbsd";
          cpus = [ "aarch64" "armv6l" "armv7a" "armv7l" "i686" "m68k" "mipsel" "powerpc" "riscv32" "riscv64" "x86_64" ];
        }
        {
          kernel = "none";
          cpus = [
            "aarch64_be" "aarch64" "arm" "armv6l" "avr" "i686" "microblaze" "microblazeel" "mips" "mips64"
            "msp430" "or1k" "m68k" "powerpc" "powerpcle" "riscv32" "riscv64" "rx" "s390" "s390x" "vc4" "x86_64"
          ];
        }
        { kernel = "openbsd"; cpus = [ "i686" "x86_64" ]; }
        { kernel = "redox"; cpus = [ "x86_64" ]; }
        { kernel = "wasi"; cpus = [ "wasm64" "wasm32" ]; }
        { kernel = "windows"; cpus = [ "aarch64" "x86_64" "i686" ]; }
        { kernel = "uefi"; cpus = [ "aarch64" "x86_64" ]; }
      ];
      # Family, width and byte order of each CPU of the list (avr has no
      # byte order in nixpkgs: it is in neither endianness category).
      doubleCpus =
        let
          little = family: bits: { inherit family bits; endian = "little"; };
          big = family: bits: { inherit family bits; endian = "big"; };
        in
        {
          aarch64 = little "arm" 64; aarch64_be = big "arm" 64;
          arm = little "arm" 32; armv5tel = little "arm" 32; armv6l = little "arm" 32;
          armv7a = little "arm" 32; armv7l = little "arm" 32;
          arc = little "arc" 32; avr = { family = "avr"; bits = 8; endian = null; };
          i686 = little "x86" 32; x86_64 = little "x86" 64;
          javascript = little "javascript" 32; loongarch64 = little "loongarch" 64;
          m68k = big "m68k" 32; microblaze = big "microblaze" 32; microblazeel = little "microblaze" 32;
          mips = big "mips" 32; mipsel = little "mips" 32; mips64 = big "mips" 64; mips64el = little "mips" 64;
          mmix = big "mmix" 64; msp430 = little "msp430" 16; or1k = big "or1k" 32;
          powerpc = big "power" 32; powerpcle = little "power" 32;
          powerpc64 = big "power" 64; powerpc64le = little "power" 64;
          riscv32 = little "riscv" 32; riscv64 = little "riscv" 64; rx = little "rx" 32;
          s390 = big "s390" 32; s390x = big "s390" 64; sh4 = little "sh" 32; vc4 = little "vc4" 32;
          wasm32 = little "wasm" 32; wasm64 = little "wasm" 64;
        };
      doubles =
        let
          entries = concatMap
            ({ kernel, cpus }: map (cpu: { inherit cpu kernel; double = "${cpu}-${kernel}"; } // doubleCpus.${cpu}) cpus)
            doubleKernels;
          where = p: map (e: e.double) (filter p entries);
          armFamily = e: e.family == "arm";
        in
        # A category named after a CPU holds that CPU's doubles; one named
        # after a kernel (illumos is Solaris's, embedded is bare metal) that
        # kernel's.
        genAttrs [ "i686" "x86_64" "riscv32" "riscv64" "s390x" "loongarch64" "mmix" "rx" "vc4" "or1k" "m68k" "arc" "sh4" ]
          (cpu: where (e: e.cpu == cpu))
        // mapAttrs (_: family: where (e: e.family == family)) {
          aarch = "arm"; x86 = "x86"; microblaze = "microblaze"; mips = "mips";
          power = "power"; riscv = "riscv"; s390 = "s390"; js = "javascript";
        }
        // mapAttrs (_: kernel: where (e: e.kernel == kernel)) {
          cygwin = "cygwin"; darwin = "darwin"; freebsd = "freebsd"; genode = "genode";
          illumos = "solaris"; linux = "linux"; netbsd = "netbsd"; openbsd = "openbsd";
          redox = "redox"; wasi = "wasi"; windows = "windows"; uefi = "uefi"; embedded = "none";
        }
        // {
          all = map (e: e.double) entries;
          # nixpkgs' `none` matches a kernel no double parses to: always empty.
          none = [ ];
          arm = where (e: armFamily e && e.bits == 32);
          aarch64 = where (e: armFamily e && e.bits == 64);
          armv7 = where (e: hasPrefix "armv7" e.cpu);
          bigEndian = where (e: e.endian == "big");
          littleEndian = where (e: e.endian == "little");
          unix = where (e: elem e.kernel [ "cygwin" "darwin" "freebsd" "solaris" "linux" "netbsd" "openbsd" "redox" ]);
          # GNU/Linux, grouped by the ABI each double implies, in that order.
          gnu = concatMap (abi: where (e: e.kernel == "linux" && defaultAbi e.cpu e.kernel == abi))
            [ "gnu" "gnueabi" "gnueabihf" "gnuabielfv2" ];
        };
      # The attributes of nixpkgs' elaborated platform left unknown here.
      unknownAttrs = [
        "_withoutFunctions" "aesSupport" "androidNdkVersion" "androidSdkVersion" "avx2Support"
        "avx512Support" "avxSupport" "canExecute" "darwinArch" "darwinMinVersion"
        "darwinMinVersionVariable" "darwinPlatform" "darwinSdkVersion" "emulator" "emulatorAvailable"
        "extensions" "fma4Support" "fmaSupport" "gcc" "go" "hasSharedLibraries" "isAbiElfv1"
        "isAbiElfv2" "isAlpha" "isAndroid" "isArc" "isAvr" "isEabi" "isElf" "isGenode" "isGhcjs"
        "isILP32" "isJavaScript" "isM68k" "isMacho" "isMicroBlaze" "isMips64n32" "isMips64n64"
        "isMmix" "isMsp430" "isMsvc" "isOr1k" "isPE" "isRedox" "isRx" "isSh4" "isSparc" "isSparc64"
        "isSunOS" "isUefi" "isVc4" "lasxSupport" "libDir" "lsxSupport" "nim" "node" "rust" "rustc"
        "sse3Support" "sse4_1Support" "sse4_2Support" "sse4_aSupport" "ssse3Support"
        "staticEmulatorAvailable" "ubootArch" "useAndroidPrebuilt" "useiOSPrebuilt"
      ];
    in
    # Every other attribute (`examples`, `inspect`, `parse`, …) is unknown,
    # naming nixpkgs' lib/systems: not a missing attribute.
    internal.unknownWhy "lib.systems"
      "atelier's built-in lib has `lib.systems.elaborate`, `lib.systems.doubles` and `lib.systems.flakeExposed` only; nixpkgs' other system tables (`examples`, `inspect`, `parse`, ...) need nixpkgs' lib/systems (pass nixpkgs with --override-input)"
    // {
      inherit elaborate doubles;
      systemToAttrs = s: if isAttrs s then s else { system = s; };
      # Elaborated systems hold functions: compared without them.
      equals = x: y: x._withoutFunctions == y._withoutFunctions;
      functionNames = [ "canExecute" "emulator" "emulatorAvailable" "staticEmulatorAvailable" ];
      # The systems flakes expose outputs for, as nixpkgs' lib/systems/flake-systems.nix lists them.
      flakeExposed = [
        "x86_64-linux" "aarch64-linux" "x86_64-darwin" "armv6l-linux" "armv7l-linux"
        "i686-linux" "aarch64-darwin" "powerpc64le-linux" "riscv64-linux" "x86_64-freebsd"
      ];
    };
  # Whether `platform` is one `elem` names: a system string, or a pattern
  # on the platform's `parsed` attributes (an elaborated system or a bare pattern).
  platformMatch = platform: elem:
    if b.isString elem then platform ? system && platform.system == elem
    else matchAttrs (if elem ? parsed then elem else { parsed = elem; }) platform;
  # The failing cases of a suite of `{ expr; expected; }` (names starting with
  # `test`, or those listed in `tests`), as nixpkgs' lib/tests report them.
  runTests = suite:
    let
      chosen = suite.tests or [ ];
      runs = name: (substring 0 4 name == "test" || elem name chosen) && (chosen == [ ] || elem name chosen);
    in
    concatMap
      (name:
        let case = suite.${name}; in
        if runs name && case.expr != case.expected then
          [ { inherit name; expected = case.expected; result = case.expr; } ]
        else [ ])
      (attrNames suite);
  debug = {
    inherit runTests traceIf traceVal traceValFn traceSeq traceSeqN traceValSeq traceValSeqFn traceValSeqN
      traceValSeqNFn traceFnSeqN;
    inherit (b) trace unsafeGetAttrPos addErrorContext;
    inherit testAllTrue;
    inherit (more.debug) throwTestFailures;
  };
  meta = {
    inherit getExe getExe' getName platformMatch addMetaAttrs setPrio lowPrio hiPrio lowPrioSet hiPrioSet
      mapDerivationAttrset dontDistribute setName updateName appendToName;
    inherit (more.meta) availableOn cpeFullVersionWithVendor;
    defaultPriority = 5;
  };
  strings = {
    inherit concatStrings concatMapStrings concatMapStringsSep concatStringsSep
      optionalString hasPrefix hasSuffix removePrefix removeSuffix escapeShellArg
      escapeShellArgs makeBinPath makeSearchPath boolToString concatLines toLower toUpper
      splitString escape escapeRegex stringToCharacters trim fileContents nameFromURL versionAtLeast versionOlder
      join replaceString hasInfix stringAsChars isStringLike isStorePath escapeXML escapeNixString
      escapeNixIdentifier isValidPosixName toShellVar toShellVars fixedWidthString fixedWidthNumber
      toInt toIntBase10 concatMapAttrsStringSep makeSearchPathOutput makeLibraryPath makeIncludePath
      floatToString getName charToInt escapeC escapeURL commonPrefixLength commonSuffixLength levenshtein levenshteinAtMost splitStringBy
      toSentenceCase toCamelCase sanitizeDerivationName trimWith normalizePath addContextFrom
      concatImapStrings concatImapStringsSep intersperse getVersion lowerChars upperChars parseDrvName
      enableFeature enableFeatureAs withFeature withFeatureAs cmakeOptionType cmakeBool cmakeFeature
      mesonOption mesonBool mesonEnable unsafeDiscardStringContext;
    inherit (b) compareVersions elem elemAt filter fromJSON genList head isAttrs isInt isList isPath isString
      readFile replaceStrings storeDir tail;
    inherit (more) isConvertibleWithToString;
    inherit (b) appendContext;
    replicate = stringsReplicate;
    inherit (b) match split toJSON typeOf stringLength substring;
  };
  lists = {
    inherit optional optionals foldr foldl foldl' flatten unique last init take drop
      range count toList concatLists concatMap filter map elem length head tail
      singleton forEach imap0 imap1 ifilter0 reverseList subtractLists intersectLists remove
      findFirst any all partition groupBy groupBy' sort elemAt
      replicate sortOn allUnique uniqueStrings zipListsWith zipLists findFirstIndex findSingle
      commonPrefix sublist dropEnd takeEnd compareLists crossLists replaceElemAt naturalSort
      fold concatAttrValues mutuallyExclusive listDfs toposort;
    inherit (b) genList isList;
    hasPrefix = listsHasPrefix;
    removePrefix = listsRemovePrefix;
  };
  attrsets = {
    inherit optionalAttrs nameValuePair genAttrs mapAttrsToList mapAttrs' filterAttrs
      attrByPath getAttrFromPath setAttrByPath recursiveUpdate recursiveUpdateUntil
      attrNames attrValues mapAttrs listToAttrs hasAttr mergeAttrsList concatMapAttrs
      mapAttrsRecursive mapAttrsRecursiveCond attrsToList foldlAttrs zipAttrs zipAttrsWith
      hasAttrByPath filterAttrsRecursive genAttrs'
      cartesianProduct mapCartesianProduct foldAttrs matchAttrs overrideExisting showAttrPath
      mapAttrsToListRecursiveCond mapAttrsToListRecursive collect attrVals getAttrs isDerivation
      unionOfDisjoint getOutput updateManyAttrsByPath longestValidPathPrefix getBin
      recurseIntoAttrs dontRecurseIntoAttrs
      zipAttrsWithNames getFirstOutput getLib getDev getMan getStatic getInclude chooseDevOutputs;
    inherit (b) removeAttrs intersectAttrs catAttrs getAttr isAttrs;
    inherit (more.attrsets) toDerivation;
  };
  modules = {
    inherit mkIf mkMerge mkOverride mkDefault mkForce mkOptionDefault mkOrder mkBefore mkAfter
      mkRemovedOptionModule mkRenamedOptionModule mkRenamedOptionModuleWith mkMergedOptionModule
      mkChangedOptionModule mkAliasOptionModule mkAliasOptionModuleMD doRename mkDerivedConfig
      setDefaultModuleLocation mkImageMediaOverride mkFixStrictness mkDefinition mapDefinitionValue
      evalModules importApply mkAssert importJSON importTOML mkVMOverride;
    inherit (more.modules) dischargeProperties pushDownProperties filterOverrides sortProperties
      mkAliasDefinitions mkAliasAndWrapDefinitions applyModuleArgsIfFunction unifyModuleSyntax fixupOptionType
      evalOptionValue fixMergeModules mergeDefinitions mergeModules mergeModules' mergeOptionDecls;
  };
  options = { inherit mkOption mkEnableOption mkPackageOption mkPackageOptionMD mkSinkUndeclaredOptions literalExpression literalMD showOption
    getValues getFiles mergeUniqueOption mergeOneOption mergeEqualOption mergeDefaultOption isOption unknownModule;
    inherit (more.options) optionAttrSetToDocList optionAttrSetToDocList' scrubOptionValue showOptionWithDefLocs showFiles; };
  # The names of nixpkgs' lib parts that are not also at its top.
  partOnly = {
    options = { inherit (more.options) renderOptionValue showDefs literalCode; };
    sources = { inherit (more.sources) shortRev urlToName trace sourceByGlobs; };
    modules = { inherit (more.modules) defaultOverridePriority defaultOrderPriority filterOverrides' collectModules
      mergeAttrDefinitionsWithPrio mkAliasAndWrapDefsWithPriority mkAliasIfDef; };
  };
  # The whole lib, extensible as nixpkgs' is (`lib.extend (final: prev: ...)`).
  # (One union of the parts, not one `//` each: see `internal.updateAll`.)
  base = self: internal.updateAll [ trivial fixedPoints strings lists attrsets modules options customisation sources {
  # The version follows `release` and `versionSuffix` as an extension sets them.
  trivial = trivial // versionInfo // {
    version = self.trivial.release + self.trivial.versionSuffix;
    nixpkgsVersion = self.trivial.version;
    oldestSupportedReleaseIsAtLeast = release: release <= self.trivial.oldestSupportedRelease;
    isInOldestRelease = self.trivial.oldestSupportedReleaseIsAtLeast;
  };
  inherit (self.trivial) version nixpkgsVersion oldestSupportedReleaseIsAtLeast isInOldestRelease;
  inherit fixedPoints strings lists attrsets filesystem customisation fileset
    types mkVMOverride versions systems mkOptionType isOptionType;
  options = options // partOnly.options;
  modules = modules // partOnly.modules;
  sources = sources // partOnly.sources;
  inherit (more) misc stringsWithDeps fetchers network gvariant sourceTypes;
  asserts = { inherit assertMsg assertOneOf; inherit (more.asserts) assertEachOneOf checkAssertWarn; };
  inherit (types) defaultFunctor defaultTypeMerge;
  # Builtins of a newer Nix than 2.8, as nixpkgs' lib takes them.
  addDrvOutputDependencies = more.newerBuiltin "addDrvOutputDependencies";
  convertHash = more.newerBuiltin "convertHash";
  flakes = {
    parseFlakeRef = more.newerBuiltin "parseFlakeRef";
    flakeRefToString = more.newerBuiltin "flakeRefToString";
  };
  inherit (self.flakes) parseFlakeRef flakeRefToString;
  # nixpkgs' `lib.platforms` is its table of system doubles.
  platforms = systems.doubles;
  inherit (more.misc) maybeEnv defaultMergeArg defaultMerge foldArgs maybeAttrNullable maybeAttr ifEnable
    checkFlag getValue checkReqs uniqList uniqListExt condConcat lazyGenericClosure innerModifySumArgs
    modifySumArgs innerClosePropagation closePropagation nvs setAttr setAttrMerge mergeAttrsWithFunc
    mergeAttrsConcatenateValues mergeAttrsNoOverride mergeAttrByFunc mergeAttrsByFuncDefaults
    mergeAttrsByFuncDefaultsClean mergeAttrBy nixType;
  inherit (more.stringsWithDeps) textClosureList textClosureMap noDepEntry fullDepEntry packEntry stringAfter;
  inherit (more.network.ipv6) mkEUI64Suffix;
  # As in nixpkgs' flake.nix, the host's modules get the lib `nixosSystem`
  # was taken from (`lib.extend` overlays included), or the call's `lib`
  # (behind a function, so that printing the marker does not print a lib).
  nixosSystem = args: nixosSystem args // { moduleLib = keep (args.lib or self); };
  # nixpkgs' flake also adds `lib.nixos` (its nixos/lib): `evalModules` is
  # this lib's, for class "nixos", with `modulesPath` (nixpkgs'
  # nixos/modules, which is not here) as a module argument; the rest
  # (`evalTest`, `runTest`) needs nixpkgs' source.
  nixos = internal.unknownWhy "lib.nixos"
    "atelier's built-in lib has `lib.nixos.evalModules` only; the rest of nixpkgs' nixos/lib needs nixpkgs' source (pass nixpkgs with --override-input)"
  // {
    evalModules = { prefix ? [ ], modules ? [ ], specialArgs ? { } }:
      self.evalModules {
        inherit prefix modules;
        class = "nixos";
        specialArgs = {
          modulesPath = internal.unknownWhy "modulesPath"
            "`modulesPath` is nixpkgs' nixos/modules directory, not known without nixpkgs' source (pass nixpkgs with --override-input)";
        } // specialArgs;
      };
  };
  inherit (b) removeAttrs intersectAttrs catAttrs pathExists readFile readDir isPath typeOf
    toJSON fromJSON seq deepSeq tryEval baseNameOf dirOf toString;
  inherit setFunctionArgs assertMsg importJSON pathIsDirectory pathIsRegularFile testAllTrue;
  meta = meta // { inherit (self) getLicenseFromSpdxId getLicenseFromSpdxIdOr licensesSpdx; };
  # The licenses with an SPDX id, by that id.
  licensesSpdx = more.bySpdxId self.licenses;
  path = pathLib;
  inherit (strings) hasPrefix removePrefix getName;
  inherit (lists) replicate;
  inherit (b) splitVersion compareVersions;
  inherit generators cli lazyDerivation optionalDrvAttr;
  derivations = { inherit lazyDerivation optionalDrvAttr; inherit (b) unsafeDiscardOutputDependency;
    inherit (more.derivations) warnOnInstantiate;
    inherit (self) addDrvOutputDependencies; };
  inherit (more.derivations) warnOnInstantiate;
  inherit (b) addErrorContext isFloat replaceStrings head tail concatLists concatMap elem;
  inherit getExe getExe' packagesFromDirectoryRecursive debug runTests;
  inherit (filesystem) pathType;
  inherit (filesystem) readFileType hashFile;
  inherit (b) getContext hasContext hashString placeholder fromTOML toFile toXML unsafeDiscardOutputDependency;
  inherit (debug) trace unsafeGetAttrPos traceIf traceVal traceValFn traceSeq traceSeqN traceValSeq traceValSeqFn
    traceValSeqN traceValSeqNFn traceFnSeqN;
  inherit (meta) addMetaAttrs setPrio lowPrio hiPrio lowPrioSet hiPrioSet mapDerivationAttrset dontDistribute
    setName updateName appendToName;
  inherit (generators) mkLuaInline;
  inherit imap isType setType assertOneOf kernel fakeHash fakeSha256 fakeSha512;
  # nixpkgs' maintainer and team lists are data, as its license table is.
  maintainers = internal.unknownWhy "lib.maintainers"
    "nixpkgs' maintainer list is data the built-in lib does not copy; it is read when nixpkgs' lib is evaluated from its source (pass nixpkgs with --override-input)";
  teams = internal.unknownWhy "lib.teams"
    "nixpkgs' team list is data the built-in lib does not copy; it is read when nixpkgs' lib is evaluated from its source (pass nixpkgs with --override-input)";
  mdDoc = x: x;
  inherit (b) isString isList isAttrs isBool isInt genList;
  isNull = x: x == null;
  # nixpkgs' license table, with its compound-license operators
  # (src/nix/licenses.nix, read when first used). The lookups below work
  # over whatever `lib.licenses` is (a flake's `lib.extend` table, for one).
  licenses = internal.licenses { inherit optionalAttrs mapAttrs any all elem concatMapStringsSep; };
  # The license whose `spdxId` is `licstr`, compared case-insensitively
  # (the first by attribute name when several match), else `default`.
  getLicenseFromSpdxIdOr = licstr: default:
    let
      wanted = toLower licstr;
      matching = filter (l: isAttrs l && l ? spdxId && toLower l.spdxId == wanted) (attrValues self.licenses);
    in
    if matching == [ ] then default else head matching;
  # As above; a string no license has gives `{ shortName = licstr; }` and a warning.
  getLicenseFromSpdxId = licstr:
    self.getLicenseFromSpdxIdOr licstr (
      warn "getLicenseFromSpdxId: No license matches the given SPDX ID: ${licstr}" { shortName = licstr; }
    );
} ];
  lib = makeExtensible base;
in
lib
