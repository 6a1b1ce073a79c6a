-- SPDX-License-Identifier: Apache-2.0
-- An incident opened from an alert keeps the alert's headline in both
-- languages (the first sentence of its Japanese and English message), so
-- every reader sees the title in their own language: the vendor's Japanese
-- staff as well as an English-speaking SME. Empty when the title was typed
-- by a person (given when opening, or edited later): `title` then holds it
-- as typed for every reader. `title` stays the title in the company's
-- language, as before, for clients that read only it.
ALTER TABLE incidents ADD COLUMN title_ja TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN title_en TEXT NOT NULL DEFAULT '';
