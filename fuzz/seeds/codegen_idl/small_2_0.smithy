$version: "2"
$operationInputSuffix: "Request"

metadata tags = ["seed", { kind: Example }]

namespace seed.example

use aws.protocols#restJson1

/// A small service.
@restJson1
service Seed {
    version: "2024-01-01"
    operations: [GetItem]
    resources: [Item]
}

resource Item {
    identifiers: { id: ItemId }
    properties: { name: String }
    read: GetItem
}

@readonly
@http(method: "GET", uri: "/items/{id}")
operation GetItem {
    input := for Item {
        @required
        @httpLabel
        $id
    }
    output := with [Named] {
        @required
        $name
        level: Level = 1
    }
    errors: [Missing]
}

@mixin
structure Named {
    name: String
}

@pattern("^[a-z]+$")
string ItemId

intEnum Level {
    LOW = 1
    HIGH = 2
}

enum Kind {
    A = "a"
    B
}

@error("client")
@httpError(404)
structure Missing {
    @documentation("""
        Why it is missing.
        """)
    message: String
}

apply Missing$message @tags(["x"])
