import { describe, expect, it } from "vitest";
import { guessMapping, resolveMapping } from "../../../core/people-import/mapping.ts";

const none = { firstName: null, lastName: null, fullName: null, email: null, phone: null, role: null, tags: null, accessGroups: null };

describe("column mapping", () => {
  it("guesses the usual English headers and their variants", () => {
    expect(guessMapping(["First name", "Last name", "E-mail", "Role", "Tag", "Access groups", "Mobile"])).toEqual({
      firstName: 0, lastName: 1, fullName: null, email: 2, phone: 6, role: 3, tags: 4, accessGroups: 5,
    });
    expect(guessMapping(["Given name", "Surname", "Email address", "Badge number", "Groups"])).toEqual({ ...none, firstName: 0, lastName: 1, email: 2, tags: 3, accessGroups: 4 });
    expect(guessMapping(["FIRSTNAME", "LASTNAME", "MAIL"])).toMatchObject({ firstName: 0, lastName: 1, email: 2 });
  });

  it("recognises Dutch, French, German and Spanish headers, accents or not", () => {
    expect(guessMapping(["Voornaam", "Achternaam", "E-mailadres", "Toegangsgroepen"])).toMatchObject({ firstName: 0, lastName: 1, email: 2, accessGroups: 3 });
    expect(guessMapping(["Prénom", "Nom", "Courriel", "Téléphone"])).toMatchObject({ firstName: 0, lastName: 1, email: 2, phone: 3 });
    expect(guessMapping(["Vorname", "Nachname", "E-Mail", "Rolle"])).toMatchObject({ firstName: 0, lastName: 1, email: 2, role: 3 });
    expect(guessMapping(["Nombre", "Apellidos", "Correo electrónico"])).toMatchObject({ firstName: 0, lastName: 1, email: 2 });
  });

  it("finds a field inside a longer header, and uses each column once", () => {
    expect(guessMapping(["Employee first name", "Employee last name", "Work e-mail", "Tag number (hex)"])).toMatchObject({ firstName: 0, lastName: 1, email: 2, tags: 3 });
    expect(guessMapping(["Tag", "Tag", "E-mail", "Email"])).toMatchObject({ tags: 0, email: 2 });
  });

  it("takes a full-name column only when first and last names are not both there", () => {
    expect(guessMapping(["Name", "E-mail"])).toMatchObject({ fullName: 0, firstName: null, lastName: null });
    expect(guessMapping(["Name", "First name", "Last name"])).toMatchObject({ fullName: null, firstName: 1, lastName: 2 });
  });

  it("applies an explicit choice by column number or header, over the guess", () => {
    const header = ["Naam", "Voornaam", "Kaart", "Notes"];
    const { mapping, problems } = resolveMapping(header, { lastName: 0, firstName: "voornaam", tags: "Kaart", fullName: null });
    expect(problems).toEqual([]);
    expect(mapping).toEqual({ ...none, firstName: 1, lastName: 0, tags: 2 });
    // A field whose guessed column someone chose for another field loses it.
    expect(resolveMapping(["First name", "Last name", "E-mail"], { tags: 2 }).mapping).toMatchObject({ email: null, tags: 2 });
  });

  it("says what is wrong with a mapping, for the header line", () => {
    expect(resolveMapping(["E-mail", "Tag"], undefined).problems).toEqual([
      { column: "first name", reason: 'no first name column (looked for "First name", "Given name", "Forename"); choose one, or a full-name column instead of both' },
      { column: "last name", reason: 'no last name column (looked for "Last name", "Surname", "Family name"); choose one, or a full-name column instead of both' },
    ]);
    expect(resolveMapping(["First name", "Last name"], { email: "Mail", tags: 9 }).problems).toEqual([
      { column: "e-mail", reason: 'there is no column "Mail" for the e-mail' },
      { column: "tags", reason: "column 10 was chosen for the tags, but the file has 2 column(s)" },
    ]);
    expect(resolveMapping(["First", "Last", "X", "X"], { tags: "x" }).problems).toEqual([{ column: "tags", reason: '2 columns are called "x"; choose one by its number' }]);
    expect(resolveMapping(["First", "Last"], { email: 0, firstName: 0 }).problems).toEqual([{ column: "First", reason: "the column is chosen for both the first name and the e-mail" }]);
    expect(resolveMapping(["First name", "Name"], undefined).problems.map((p) => p.column)).toEqual(["last name"]);
  });
});
