-- SPDX-License-Identifier: Apache-2.0
-- Whether the alert's message in each language is the filler ingest wrote
-- because the event carried none (mm_ingest_alert_default_message: an
-- older sensor's alert, another tool's, a Suricata-style EVE line), not
-- the sensor's own message, which ends with its next step. Such an alert
-- takes the generic explanation's "what to do now" in that language
-- (mm_alert_now), so each language's mail and alert page says one step.
-- Until now the centre recognised the filler by comparing message_ja with
-- the generic explanation's text, which a rewording would have broken; the
-- fact is now stored at ingest. Rows stored before are classified here,
-- once, by the texts the filler had until this migration (the generic
-- "what" of data/center/explanations.json; in English the alert's
-- signature, or that "what" when the signature was empty). Kept as written
-- here when the catalogue changes: they are the texts those rows hold.
ALTER TABLE alerts ADD COLUMN filled_ja INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN filled_en INTEGER NOT NULL DEFAULT 0;
UPDATE alerts SET
    filled_ja = message_ja IN ('',
        '監視センサーが、いつもと違う注意の必要な通信を見つけました。詳しい内容は下の「詳しい情報」と「証拠」に記録されています。'),
    filled_en = message_en IN ('', signature,
        'The monitoring sensor saw unusual network traffic that needs attention. The details are recorded below under the facts and the evidence.')
WHERE message_ja IN ('',
        '監視センサーが、いつもと違う注意の必要な通信を見つけました。詳しい内容は下の「詳しい情報」と「証拠」に記録されています。')
   OR message_en IN ('', signature,
        'The monitoring sensor saw unusual network traffic that needs attention. The details are recorded below under the facts and the evidence.');
