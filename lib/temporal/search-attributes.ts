import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes that let operators filter Isengard's workflows in the Temporal UI (design §4). */
export const KIND = defineSearchAttributeKey('IsengardKind', SearchAttributeType.KEYWORD);
export const CHARACTER_ID = defineSearchAttributeKey('IsengardCharacterId', SearchAttributeType.KEYWORD);
export const STATUS = defineSearchAttributeKey('IsengardStatus', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [KIND, CHARACTER_ID, STATUS] as const;

/** `Name=Type` arguments for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_ARGS = SEARCH_ATTRIBUTES.map((key) => `${key.name}=Keyword`);
