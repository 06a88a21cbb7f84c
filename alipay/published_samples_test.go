package alipay_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/alipay"
)

// TestPublishedSamplesValidate: the request samples of Alipay's documents
// (wire reference §5: template.create, activateurl.apply, card.open) pass
// validation once decoded into the typed requests.
func TestPublishedSamplesValidate(t *testing.T) {
	const templateCreate = `{
  "request_id": "20160805100000023100679",
  "card_type": "OUT_MEMBER_CARD",
  "biz_no_prefix": "prex",
  "biz_no_suffix_len": "20",
  "write_off_type": "qrcode",
  "spi_app_id": "2014072300007148",
  "template_style_info": {
    "card_show_name": "商家会员卡",
    "logo_id": "1T8Pp00AT7eo9NoAJkMR3AAAMA****",
    "background_id": "OKWBUiWCQ761MdRzP4PvUwAAACM****",
    "bg_color": "rgb(55,112,179)"
  },
  "column_info_list": [
    {"code": "COLUMN_INFO_1", "more_info": {"url": "https://www.alipay.com"}, "title": "栏位信息1", "operate_type": "openWeb"},
    {"code": "BALANCE", "title": "余额"},
    {"code": "Point", "title": "积分"}
  ],
  "field_rule_list": [
    {"field_name": "Balance", "rule_name": "ASSIGN_FROM_REQUEST", "rule_value": "Balance"},
    {"field_name": "Point", "rule_name": "ASSIGN_FROM_REQUEST", "rule_value": "Point"}
  ],
  "card_action_list": [
    {"code": "CARD_ACTION_1", "text": "行动点1", "url_type": "url", "url": "https://www.alipay.com"}
  ]
}`
	var tc alipay.TemplateCreateRequest
	require.NoError(t, json.Unmarshal([]byte(templateCreate), &tc))
	assert.Equal(t, "商家会员卡", tc.TemplateStyleInfo.CardShowName)
	assert.NoError(t, tc.Validate())

	const activateURL = `{"follow_app_id":"20150000000000000","callback":"https://alipay.com/card/demo.htm","out_string":"201928393932","template_id":"20170228000000000210102000300974"}`
	var au alipay.ActivateURLApplyRequest
	require.NoError(t, json.Unmarshal([]byte(activateURL), &au))
	assert.NoError(t, au.Validate())

	const cardOpen = `{
  "out_serial_no": "2016062700001",
  "card_template_id": "20170228000000000210102000300974",
  "card_user_info": {"user_uni_id": "2088302463082075", "user_uni_id_type": "UID"},
  "card_ext_info": {
    "external_card_no": "ext0001",
    "open_date": "2014-02-20 21:20:46",
    "valid_date": "2020-02-20 21:20:46",
    "level": "vip1",
    "point": "88"
  },
  "member_ext_info": {"name": "张三", "gende": "MALE", "birth": "1990-01-01", "cell": "13800000000"},
  "open_card_channel": "QR"
}`
	var co alipay.CardOpenRequest
	require.NoError(t, json.Unmarshal([]byte(cardOpen), &co))
	co.AuthToken = "composeB1234567890" // a common parameter, not part of biz_content
	assert.Equal(t, "ext0001", co.CardExtInfo.ExternalCardNo)
	assert.NoError(t, co.Validate())
}
