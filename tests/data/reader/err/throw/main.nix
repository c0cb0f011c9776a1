let check = x: if x == "" then throw "empty name" else x; in
check ""
