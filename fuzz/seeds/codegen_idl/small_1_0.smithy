$version: "1.0"

namespace seed.old

@enum([{ value: "a-b", name: "A_B" }, { value: "c" }])
string Choice

set Tags {
    member: String
}

structure Old {
    count: PrimitiveInteger
    boxed: Integer
    choice: Choice
}
